"""The LMS's own words in the person's language: Moodle's log events, its profile fields,
the kind of system a connector reaches and the countries of the settings.

Moodle names an event by its class (``\\mod_assign\\event\\submission_created``) and its
custom profile fields by a short name the site chose (``employer``). A letter shows neither:
a known event or field reads as a phrase, an unknown event as its area and what was done
(never Moodle's English), an unknown field as "additional field" with the site's name for it.
Every entry is ``(fi, en)``.
"""

from __future__ import annotations

from types import MappingProxyType

#: Moodle's log events by the last part of their class name → (fi, en).
EVENTS = MappingProxyType(
    {
        "course_viewed": ("katsoit kurssia", "viewed the course"),
        "course_module_viewed": ("katsoit kurssin aktiviteettia", "viewed a course activity"),
        "course_module_instance_list_viewed": (
            "katsoit kurssin aktiviteettien luetteloa",
            "viewed the list of a course's activities",
        ),
        "course_module_completion_updated": (
            "aktiviteetin suoritustila muuttui",
            "an activity's completion changed",
        ),
        "course_completed": ("suoritit kurssin", "completed the course"),
        "course_user_report_viewed": ("kurssiraporttia katsottiin", "a course report was viewed"),
        "assessable_submitted": ("palautit tehtävän", "submitted an assignment"),
        "assessable_uploaded": ("lisäsit tehtävään tiedoston", "uploaded a file to an assignment"),
        "submission_created": ("tehtäväpalautus aloitettiin", "a submission was started"),
        "submission_updated": ("tehtäväpalautusta muutettiin", "a submission was changed"),
        "submission_status_updated": (
            "tehtäväpalautuksen tila muuttui",
            "a submission's status changed",
        ),
        "submission_graded": ("tehtäväsi arvioitiin", "your submission was graded"),
        "submission_status_viewed": ("katsoit palautuksesi tilaa", "viewed your submission"),
        "submission_form_viewed": ("avasit palautuslomakkeen", "opened the submission form"),
        "submission_confirmation_form_viewed": (
            "avasit palautuksen vahvistuksen",
            "opened the submission confirmation",
        ),
        "feedback_viewed": ("katsoit palautetta", "viewed feedback"),
        "user_graded": ("sinut arvioitiin", "you were graded"),
        "grade_report_viewed": ("katsoit arvosanojasi", "viewed your grades"),
        "grade_item_updated": ("arvioitavaa muutettiin", "a graded item was changed"),
        "message_sent": ("viesti lähetettiin", "a message was sent"),
        "message_viewed": ("viesti luettiin", "a message was read"),
        "notification_sent": ("ilmoitus lähetettiin", "a notification was sent"),
        "notification_viewed": ("ilmoitus luettiin", "a notification was read"),
        "role_assigned": ("kurssirooli annettiin", "a course role was assigned"),
        "role_unassigned": ("kurssirooli poistettiin", "a course role was removed"),
        "group_member_added": ("lisäys kurssin ryhmään", "added to a course group"),
        "group_member_removed": ("poisto kurssin ryhmästä", "removed from a course group"),
        "user_created": ("käyttäjätilisi luotiin", "your account was created"),
        "user_updated": ("käyttäjätietojasi muutettiin", "your account was changed"),
        "user_deleted": ("käyttäjätilisi poistettiin", "your account was deleted"),
        "user_loggedin": ("kirjauduit sisään", "logged in"),
        "user_loggedout": ("kirjauduit ulos", "logged out"),
        "user_login_failed": ("epäonnistunut kirjautuminen", "a failed login"),
        "user_password_updated": ("salasanasi vaihdettiin", "your password was changed"),
        "user_profile_viewed": ("profiilia katsottiin", "a profile was viewed"),
        "user_list_viewed": (
            "kurssin osallistujia katsottiin",
            "a course's participants were viewed",
        ),
        "user_enrolment_created": ("sinut liitettiin kurssille", "you were enrolled in a course"),
        "user_enrolment_updated": ("kurssiliitostasi muutettiin", "your enrolment was changed"),
        "user_enrolment_deleted": ("liitoksesi kurssille poistettiin", "you were unenrolled"),
        "dashboard_viewed": ("katsoit etusivuasi", "viewed your dashboard"),
        "discussion_viewed": ("katsoit keskustelua", "viewed a discussion"),
        "discussion_created": ("aloitit keskustelun", "started a discussion"),
        "post_created": ("kirjoitit keskusteluun", "wrote in a discussion"),
        "post_updated": ("muokkasit keskusteluviestiä", "edited a discussion post"),
        "badge_awarded": ("sinulle myönnettiin osaamismerkki", "you were awarded a badge"),
        "attempt_started": ("aloitit tentin", "started a quiz"),
        "attempt_submitted": ("palautit tentin", "submitted a quiz"),
        "attempt_reviewed": ("katsoit tenttisuoritustasi", "reviewed your quiz attempt"),
    }
)

#: The area of an event by its component, longest prefix first → (fi, en).
AREAS = (
    ("assignsubmission_", ("tehtävä", "assignment")),
    ("assignfeedback_", ("tehtävän palaute", "assignment feedback")),
    ("mod_assign", ("tehtävä", "assignment")),
    ("mod_forum", ("keskustelualue", "forum")),
    ("mod_quiz", ("tentti", "quiz")),
    ("mod_", ("kurssin aktiviteetti", "course activity")),
    ("core_message", ("viestit", "messages")),
    ("message_", ("viestit", "messages")),
    ("gradereport_", ("arvosanat", "grades")),
    ("core_grades", ("arvosanat", "grades")),
    ("core_badges", ("osaamismerkit", "badges")),
    ("core_course", ("kurssi", "course")),
    ("core_user", ("käyttäjätili", "user account")),
    ("core", ("verkkokurssijärjestelmä", "online-course system")),
)
#: What was done, by the event's action → (fi, en); by its CRUD letter when unknown.
ACTIONS = MappingProxyType(
    {
        "viewed": ("katselu", "viewed"),
        "created": ("luonti", "created"),
        "updated": ("muutos", "changed"),
        "deleted": ("poisto", "deleted"),
        "submitted": ("palautus", "submitted"),
        "uploaded": ("tiedoston lisäys", "file added"),
        "graded": ("arviointi", "graded"),
        "sent": ("lähetys", "sent"),
        "assigned": ("myöntäminen", "assigned"),
        "unassigned": ("peruminen", "withdrawn"),
        "added": ("lisäys", "added"),
        "removed": ("poisto", "removed"),
        "started": ("aloitus", "started"),
        "completed": ("suoritus", "completed"),
        "awarded": ("myöntäminen", "awarded"),
        "reviewed": ("tarkastelu", "reviewed"),
        "loggedin": ("kirjautuminen", "logged in"),
        "loggedout": ("uloskirjautuminen", "logged out"),
    }
)
CRUD = MappingProxyType(
    {
        "c": ("luonti", "created"),
        "r": ("katselu", "viewed"),
        "u": ("muutos", "changed"),
        "d": ("poisto", "deleted"),
    }
)
OTHER_EVENT = ("muu tapahtuma", "other event")

#: Custom profile fields by the short names sites commonly give them → (fi, en).
PROFILE_FIELDS = MappingProxyType(
    {
        "employer": ("Työnantaja", "Employer"),
        "company": ("Yritys", "Company"),
        "organisation": ("Organisaatio", "Organisation"),
        "organization": ("Organisaatio", "Organisation"),
        "studentno": ("Opiskelijanumero", "Student number"),
        "studentnumber": ("Opiskelijanumero", "Student number"),
        "phone": ("Puhelin", "Phone"),
        "mobile": ("Matkapuhelin", "Mobile phone"),
        "title": ("Tehtävänimike", "Job title"),
        "jobtitle": ("Tehtävänimike", "Job title"),
        "profession": ("Ammatti", "Profession"),
        "department": ("Osasto", "Department"),
        "birthday": ("Syntymäpäivä", "Birthday"),
    }
)
#: An unknown profile field: the site's own short name in quotation marks.
OTHER_FIELD = ("Lisäkenttä {name}", "Additional field {name}")

#: The kind of system a connector reaches → (fi, en).
SYSTEM_KINDS = MappingProxyType(
    {"moodle": ("Moodle-oppimisympäristö", "Moodle learning environment")}
)
OTHER_SYSTEM = ("verkkokurssijärjestelmä {name}", "online-course system {name}")

#: ISO 3166 codes of the EU/EEA (N9) and the neighbours a setting may name → (fi, en).
COUNTRIES = MappingProxyType(
    {
        "AT": ("Itävalta", "Austria"),
        "BE": ("Belgia", "Belgium"),
        "BG": ("Bulgaria", "Bulgaria"),
        "CH": ("Sveitsi", "Switzerland"),
        "CY": ("Kypros", "Cyprus"),
        "CZ": ("Tšekki", "Czechia"),
        "DE": ("Saksa", "Germany"),
        "DK": ("Tanska", "Denmark"),
        "EE": ("Viro", "Estonia"),
        "ES": ("Espanja", "Spain"),
        "FI": ("Suomi", "Finland"),
        "FR": ("Ranska", "France"),
        "GB": ("Yhdistynyt kuningaskunta", "United Kingdom"),
        "GR": ("Kreikka", "Greece"),
        "HR": ("Kroatia", "Croatia"),
        "HU": ("Unkari", "Hungary"),
        "IE": ("Irlanti", "Ireland"),
        "IS": ("Islanti", "Iceland"),
        "IT": ("Italia", "Italy"),
        "LI": ("Liechtenstein", "Liechtenstein"),
        "LT": ("Liettua", "Lithuania"),
        "LU": ("Luxemburg", "Luxembourg"),
        "LV": ("Latvia", "Latvia"),
        "MT": ("Malta", "Malta"),
        "NL": ("Alankomaat", "Netherlands"),
        "NO": ("Norja", "Norway"),
        "PL": ("Puola", "Poland"),
        "PT": ("Portugali", "Portugal"),
        "RO": ("Romania", "Romania"),
        "SE": ("Ruotsi", "Sweden"),
        "SI": ("Slovenia", "Slovenia"),
        "SK": ("Slovakia", "Slovakia"),
        "US": ("Yhdysvallat", "United States"),
    }
)


def event_words(event_name: str, component: str, action: str, crud: str, index: int) -> str:
    """A log event in the letter's language (``index``: 0 Finnish, 1 English): a known event
    as a phrase, another as its area and what was done, never Moodle's class name."""
    name = event_name.rpartition("\\")[2]
    if name in EVENTS:
        return EVENTS[name][index]
    area = next((words for prefix, words in AREAS if component.startswith(prefix)), AREAS[-1][1])
    done = ACTIONS.get(action) or CRUD.get(crud) or OTHER_EVENT
    return f"{area[index]}: {done[index]}"

"""The site the samples in ``moodle-samples/`` were recorded on, as data.

Same ids as the recording (users 1-26, courses 1-5, assignments 1-9, grade
items 1-14, conversations 25-29, messages 1-14), so a recorded request can be
replayed unchanged by the contract tests. Times are offsets from the
recording's seeding time ``T0`` and are re-anchored on ``now``; with
``now = T0`` every timestamp equals the recorded one. The people are the
recording's invented ones.
"""

from __future__ import annotations

from connectors.moodle.simulator import activity
from connectors.moodle.simulator.base_site import base_site
from connectors.moodle.simulator.model import GradebookGrade
from connectors.moodle.simulator.state import SiteState

T0 = 1795641366
DAY = 86400
SITENAME = "Oppimo Learning (test)"

#: id, username, firstname, lastname, city, has accessed the site, custom fields.
PEOPLE = (
    (3, "aino.virtanen", "Aino", "Virtanen", "Tampere", True, {"employer": "Oppimo Oy"}),
    (4, "mikko.korhonen", "Mikko", "Korhonen", "Turku", True, {}),
    (5, "eero.makinen", "Eero", "Mäkinen", "Helsinki", True,
     {"employer": "Kaukokiito Logistiikka Oy", "phone": "+358 44 700 0001", "studentno": "2001"}),
    (6, "helmi.nieminen", "Helmi", "Nieminen", "Espoo", False,
     {"employer": "Vantaan kaupunki", "phone": "+358 44 700 0002"}),
    (7, "onni.makela", "Onni", "Mäkelä", "Vantaa", True, {}),
    (8, "venla.hamalainen", "Venla", "Hämäläinen", "Oulu", True,
     {"employer": "Pohjolan Energia Oy"}),
    (9, "leevi.laine", "Leevi", "Laine", "Jyväskylä", True, {}),
    (10, "aada.heikkinen", "Aada", "Heikkinen", "Kuopio", False, {}),
    (11, "eino.koskinen", "Eino", "Koskinen", "Lahti", True, {}),
    (12, "ilona.jarvinen", "Ilona", "Järvinen", "Pori", True, {}),
    (13, "vaino.lehtonen", "Väinö", "Lehtonen", "Joensuu", True, {}),
    (14, "lilja.lehtinen", "Lilja", "Lehtinen", "Vaasa", False, {}),
    (15, "toivo.saarinen", "Toivo", "Saarinen", "Seinäjoki", True, {}),
    (16, "siiri.salminen", "Siiri", "Salminen", "Rovaniemi", True, {}),
    (17, "akseli.heinonen", "Akseli", "Heinonen", "Kotka", True, {}),
    (18, "pihla.niemi", "Pihla", "Niemi", "Hämeenlinna", False, {}),
    (19, "niilo.heikkila", "Niilo", "Heikkilä", "Mikkeli", True, {}),
    (20, "kerttu.kinnunen", "Kerttu", "Kinnunen", "Kajaani", True, {}),
    (21, "elias.salonen", "Elias", "Salonen", "Rauma", True, {}),
    (22, "hilla.turunen", "Hilla", "Turunen", "Savonlinna", False, {}),
    (23, "oliver.salo", "Oliver", "Salo", "Kokkola", True, {}),
    (24, "isla.laitinen", "Isla", "Laitinen", "Imatra", True, {}),
)

#: shortname, fullname, category, sort order, visible, self enrolment; then its
#: assignments as (name, max grade, drafts, due in days, visible, blind marking).
COURSES = (
    ("OHJ101", "Ohjelmoinnin perusteet", 2, 20002, True, False, (
        ("Harjoitus 1: muuttujat", 100, 1, 7, True, 0),
        ("Harjoitus 2: silmukat", 50, 0, 14, True, 0),
        ("Lopputyö", 100, 1, 21, True, 0))),
    ("TIE220", "Tietokannat", 2, 20001, True, False, (
        ("SQL-harjoitus", 20, 0, 7, True, 0),
        ("Tietokantasuunnitelma", 100, 1, 14, False, 0))),
    ("RUO110", "Ruotsin kieli, suullinen", 3, 40001, True, True, (
        ("Esittäytyminen (teksti)", 10, 0, 7, True, 0),
        ("Työelämän sanasto", 10, 1, 14, True, 0))),
    ("TSK300", "Tietosuoja käytännössä", 4, 30001, False, False, (
        ("Rekisteriseloste", 100, 1, 7, True, 0),
        ("Tapausharjoitus: tietopyyntö", 100, 0, 14, True, 1))),
)

#: course -> (teacher, role) pairs and students; the special enrolments follow.
TEACHERS = {2: ((3, "editingteacher"), (4, "teacher")), 3: ((3, "editingteacher"),),
            4: ((4, "editingteacher"),), 5: ((4, "editingteacher"),)}
STUDENTS = {2: range(5, 17), 3: range(10, 20), 4: (5, *range(14, 25)), 5: (5, 6, 7, 8, 20)}

#: "assignment:user + status" for submissions 1..72 in id order (s submitted, d draft).
SUBMISSIONS = (
    "1:5s 1:6s 1:7d 1:8s 1:10d 1:11s 1:12s 1:13d 1:15s 1:16d 2:5s 2:6s 2:7s 2:9s 2:10s 2:11s "
    "2:12s 2:14s 2:15s 2:16s 3:5s 3:6s 3:8s 3:9s 3:10d 3:11s 3:13d 3:14s 3:15s 3:16d 4:10s "
    "4:11s 4:12s 4:13s 4:15s 4:16s 4:17s 4:18s 5:10s 5:11s 5:12d 5:14s 5:15d 5:16s 5:17s 5:19s "
    "6:14s 6:15s 6:16s 6:17s 6:19s 6:20s 6:21s 6:22s 6:24s 7:14s 7:15s 7:16d 7:18s 7:19d 7:20s "
    "7:21s 7:23s 7:24s 8:5s 8:6s 8:7d 8:8s 9:5s 9:6s 9:7s 9:20s"
)
#: assignment grades 1..38 in id order: (assignment, user, grade).
GRADES = (
    (1, 5, 55), (1, 7, 80), (1, 11, 85), (1, 13, 65), (1, 15, 90), (2, 5, 30), (2, 7, 42.5),
    (2, 9, 32.5), (2, 11, 45), (2, 15, 47.5), (3, 5, 65), (3, 9, 70), (3, 11, 95), (3, 13, 75),
    (3, 15, 55), (4, 10, 11), (4, 12, 16), (4, 16, 17), (4, 18, 13), (5, 10, 60), (5, 12, 85),
    (5, 14, 65), (5, 16, 90), (6, 14, 5.5), (6, 16, 8), (6, 20, 8.5), (6, 22, 6.5), (6, 24, 9),
    (7, 14, 6), (7, 16, 8.5), (7, 18, 6.5), (7, 20, 9), (7, 24, 9.5), (8, 5, 55), (8, 7, 80),
    (9, 5, 60), (9, 7, 85), (9, 20, 65),
)
#: manual item "Suullinen koe": user -> points (helmi's grade is hidden).
ORAL_EXAM = {10: 10, 8: 8, 12: 6, 11: 5, 9: 9, 5: 5, 6: 6, 7: 7}

#: conversations 25-29: (type, members, name); messages 1-14: (conversation, sender, text).
#: 8 one-to-one teacher-student messages (1-7, 10), 4 in the course group conversation 29
#: (9, 11-13) and 2 in eero's self-conversation 3 (8, 14), as on the recorded site.
CONVERSATIONS = ((1, (3, 5), ""), (1, (6, 3), ""), (1, (4, 14), ""), (1, (7, 3), ""),
                 (2, (3, 5, 8, 6), "Projektiryhmä A"))
MESSAGES = (
    (25, 3, "Hei Eero, muistathan harjoituksen 1 palautuksen."),
    (25, 5, "Kiitos muistutuksesta, palautan huomenna."), (25, 3, "Palautettu nyt!"),
    (25, 5, "Hienoa, katson sen viikonloppuna."),
    (26, 6, "Hei, voinko saada lisäaikaa lopputyöhön?"),
    (26, 3, "Voit, uusi määräaika on ensi perjantai."),
    (27, 4, "Hej Lilja, kom ihåg den muntliga provet på torsdag."),
    (3, 5, "Muistiinpano: kysy palautteesta."), (29, 5, "Luin tehtävänannon, aloitan."),
    (28, 7, "Miksi kurssini on jäädytetty?"), (29, 3, "Tervetuloa projektiryhmään!"),
    (29, 5, "Kiitos! Aloitetaanko maanantaina?"), (29, 8, "Sopii minulle."),
    (3, 5, "Muistiinpano: lopputyön aihe."),
)
TEXTS = (
    "<p>Tässä palautukseni. Muuttujan arvo tulostetaan funktiolla print().</p>",
    "<p>Vastaus: silmukka käy listan läpi ja laskee summan.</p>",
    "<p>Luonnos – täydennän vielä perjantaina.</p>",
    "<p>Rekisterin pitäjä on Oppimo Oy; tietoja säilytetään 5 vuotta.</p>",
)


def build(state: SiteState, now: int) -> None:
    base_site(state, now - 50, sitename=SITENAME)
    _people(state, now)
    for position, (short, full, category, sortorder, visible, selfenrol, assignments) in \
            enumerate(COURSES):
        course = state.add_course(
            short, full, category, idnumber=f"C-{short}", summary=f"<p>{full} (testikurssi)</p>",
            visible=visible, startdate=now - 60 * DAY, enddate=now + 120 * DAY,
            timecreated=now, timemodified=now, sortorder=sortorder, self_enrolment=selfenrol)
        for name, grade, drafts, due, shown, blind in assignments:
            state.add_assignment(course.id, name, grade=grade, submissiondrafts=drafts,
                                 duedate=now + due * DAY, allowsubmissionsfromdate=now - 30 * DAY,
                                 timemodified=now + 1 + position, visible=shown,
                                 blindmarking=blind)
    _enrolments(state, now)
    _activity(state, now)


def _people(state: SiteState, now: int) -> None:
    for userid, username, first, last, city, accessed, fields in PEOPLE:
        teacher = userid < 5
        user = state.add_user(
            username, first, last, f"{username}@example.fi",
            idnumber=f"T-{998 + userid}" if teacher else f"S-{1996 + userid}",
            city=city, country="SE" if userid == 14 else "FI", timezone="Europe/Helsinki",
            department=("Tietotekniikka", "Kielikeskus")[userid - 3] if teacher else "",
            institution="Oppimo" if teacher else "",
            firstaccess=now - (62 - userid) * DAY if accessed else 0,
            lastaccess=now - 3600 * (userid - 2) if accessed else 0,
            suspended=userid == 9, auth="nologin" if userid == 24 else "manual",
            description="<p>Opiskelen työn ohessa.</p>" if userid == 5 else "",
            timecreated=now, timemodified=now,
        )
        user.customfields.update(fields)
    service = state.add_service_user()
    service.preferences.update(last_time_enrolments_synced=str(now + 8), _lastloaded=now + 8)
    state.add_user("ws_tester", "Token", "Tester", "ws_tester@oppimo.example.fi")


def _enrolments(state: SiteState, now: int) -> None:
    for courseid, teachers in TEACHERS.items():
        for userid, role in teachers:
            state.enrol(userid, courseid, role, timestart=now - 50 * DAY, timecreated=now)
        for userid in STUDENTS[courseid]:
            special = {(7, 2): {"status": 1}, (16, 2): {"timeend": now + 60 * DAY},
                       (15, 3): {"timeend": now - DAY}, (5, 4): {"method": "self"}}
            state.enrol(userid, courseid, timestart=now - 50 * DAY, timecreated=now,
                        **special.get((userid, courseid), {}))
    state.add_group(2, "Ryhmä A", "Aamuryhmä", range(5, 11))
    state.add_group(2, "Ryhmä B", "Test Group 0002", range(11, 17))
    for userid in range(5, 11):
        state.lastcourseaccess[(userid, 2)] = now - 7200 * (userid - 4)


def _activity(state: SiteState, now: int) -> None:
    start = now - 1210200  # first submission, two weeks before seeding
    for index, entry in enumerate(SUBMISSIONS.split()):
        assignment, rest = entry.split(":")
        created = start + index * 18000
        state.add_submission(int(assignment), int(rest[:-1]),
                             "submitted" if rest[-1] == "s" else "draft", created, created + 600,
                             text=TEXTS[index % len(TEXTS)])
    for index, (assignment, userid, grade) in enumerate(GRADES):
        grader = 3 if assignment <= 5 else 4
        state.add_assign_grade(assignment, userid, float(grade), grader,
                               now - 1123200 + index * 25200,
                               feedback=f"<p>Hyvä työ! Arvosana {grade:g}.</p>")
    oral = state.add_grade_item(2, "manual", 10, itemname="Suullinen koe", idnumber="ORAL1")
    for userid, points in ORAL_EXAM.items():
        state.gradebook[(oral.id, userid)] = GradebookGrade(
            float(points), now + 4, f"Suullinen koe: {points}/10", hidden=userid == 6)
    state.gradebook[(2, 5)] = GradebookGrade(
        97.0, now + 4, "Arvosana korjattu arviointikeskustelun jälkeen.", overridden=True)
    for type_, members, name in CONVERSATIONS:
        state.add_conversation(type_, members, name)
    events = []
    for index, (conversationid, sender, text) in enumerate(MESSAGES):
        when = now - 1209600 + index * 32400
        message = state.add_message(conversationid, sender, f"<p>{text}</p>", when)
        members = state.conversations[conversationid].members
        recipient = next((m for m in members if m != sender), None) if len(members) == 2 else None
        events.append(activity.message_sent(message.id, sender, recipient, when))
    # Deleted for one member only: eero deleted 2 (recorded), aino deleted 9, which is
    # why her view of conversation 29 (the group_conversation sample) holds 3 of its 4.
    state.message_deletions.update({(5, 2), (3, 9)})
    state.contacts.add(frozenset((3, 7)))
    activity.write_events(state, events)

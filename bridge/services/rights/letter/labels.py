"""The letter's own words in Finnish and English: field labels, the names of the register's
codes, and the phrases around them.

The notice's wording (what a category is, why it is kept) is in :mod:`bridge.notice`; this
module holds the rest, so that a letter never shows a column name or a code. Every entry is
``(fi, en)``; a missing entry is a bug a test catches, not a code shown to the person.
"""

from __future__ import annotations

from types import MappingProxyType

#: Field labels and phrases: key → (fi, en).
WORDS = MappingProxyType(
    {
        # page
        "export_title": ("Tietosi rekisterissä", "Your data in the register"),
        "export_intro": (
            "Tässä kirjeessä ovat kaikki tiedot, jotka rekisterissä on sinusta, "
            "tietosuojaselosteen tietoryhmien mukaan. Jokaisen tiedon kohdalla kerrotaan, "
            "mistä se on saatu.",
            "This letter lists all the data the register holds about you, grouped as in the "
            "privacy notice. For each piece of data it says where it came from.",
        ),
        "prepared": ("Laadittu", "Prepared"),
        "person_number": ("henkilön numero rekisterissä", "your number in the register"),
        "request_number": ("pyyntö nro", "request no."),
        "nothing_in": (
            "Asiakasrekisterin omissa tiedoissa ei ole sinusta näitä tietoja:",
            "The register's own records hold none of this data about you:",
        ),
        "nothing_in_lms": (
            "Mitä verkkokurssijärjestelmän profiilisi kertoo, on kohdassa {section}.",
            "What your profile in the online-course system says is under {section}.",
        ),
        # controller
        "name": ("Nimi", "Name"),
        "business_id": ("Y-tunnus", "Business ID"),
        "address": ("Osoite", "Address"),
        "contact_name": ("Yhteyshenkilö", "Contact person"),
        "contact": ("Yhteyshenkilö", "Contact person"),
        "contact_email": ("Yhteyshenkilön sähköposti", "Contact e-mail"),
        "contact_phone": ("Yhteyshenkilön puhelin", "Contact phone"),
        "register": ("Rekisteri", "Register"),
        # basic data and employer
        "first_name": ("Etunimi", "First name"),
        "last_name": ("Sukunimi", "Last name"),
        "email": ("Sähköposti", "E-mail"),
        "phone": ("Puhelin", "Phone"),
        "profession": ("Ammatti", "Profession"),
        "legal_basis": ("Käsittelyn peruste", "Legal basis"),
        "status": ("Tila", "Status"),
        "title": ("Tehtävänimike", "Job title"),
        "billing_address": ("Laskutusosoite", "Billing address"),
        "billing_email": ("Laskutussähköposti", "Billing e-mail"),
        "e_invoice_address": ("Verkkolaskuosoite", "E-invoice address"),
        "link": ("Tieto työsuhteesta", "Record of your employment"),
        # relationships, consents
        "kind": ("Laji", "Kind"),
        "start_date": ("Alkaa", "Starts"),
        "end_date": ("Päättyy", "Ends"),
        "reference": ("Viite", "Reference"),
        "held_by": ("Kenen", "Whose"),
        "record": ("Tieto", "Record"),
        "purpose": ("Tarkoitus", "Purpose"),
        "channel": ("Kanava", "Channel"),
        "granted_at": ("Annettu", "Given"),
        "withdrawn_at": ("Peruttu", "Withdrawn"),
        "prohibited_at": ("Kielletty", "Prohibited"),
        "lifted_at": ("Kielto poistettu", "Lifted"),
        "evidence": ("Peruste", "Evidence"),
        # provenance
        "provenance": ("Lähde", "Source"),
        "first_seen_at": ("tallennettu", "recorded"),
        "changed_at": ("muutettu", "changed"),
        "last_seen_at": ("viimeksi tarkistettu", "last checked"),
        "removed_in_lms_at": (
            "poistunut verkkokurssijärjestelmästä",
            "removed from the online-course system",
        ),
        "from_lms": (
            "Kaikki alla olevat tiedot on saatu verkkokurssijärjestelmästä.",
            "All the data below comes from the online-course system.",
        ),
        # LMS account
        "account": ("Käyttäjätili", "User account"),
        "connector": ("Järjestelmä", "System"),
        "username": ("Käyttäjätunnus", "Username"),
        "idnumber": ("Tunniste", "ID number"),
        "phone1": ("Puhelin", "Phone"),
        "phone2": ("Matkapuhelin", "Mobile phone"),
        "institution": ("Organisaatio", "Institution"),
        "department": ("Osasto", "Department"),
        "city": ("Kaupunki", "City"),
        "country": ("Maa", "Country"),
        "suspended": ("Kirjautuminen estetty", "Login blocked"),
        "first_access": ("Ensimmäinen käyttö", "First used"),
        "last_access": ("Viimeisin käyttö", "Last used"),
        "custom_fields": ("Lisätiedot", "Additional fields"),
        "access": ("Pääsy verkkokursseille", "Access to online courses"),
        "access_blocked": (
            "Pääsysi suljettiin {done}; järjestelmästä luettu tila vahvisti sen {read}.",
            "Your access was ended on {done}; the state read back from the system confirmed "
            "it on {read}.",
        ),
        "access_blocking": (
            "Pääsysi sulkemista pyydettiin {requested}; järjestelmä ei ole vielä vahvistanut sitä.",
            "Ending your access was requested on {requested}; the system has not yet confirmed it.",
        ),
        "access_reopened": (
            "Pääsysi avattiin uudelleen {done}; järjestelmästä luettu tila vahvisti sen {read}.",
            "Your access was restored on {done}; the state read back from the system confirmed "
            "it on {read}.",
        ),
        "access_reopening": (
            "Pääsysi avaamista uudelleen pyydettiin {requested}; järjestelmä ei ole vielä "
            "vahvistanut sitä.",
            "Restoring your access was requested on {requested}; the system has not yet "
            "confirmed it.",
        ),
        "access_open": (
            "Voit kirjautua (tarkistettu {seen}).",
            "You can log in (checked on {seen}).",
        ),
        "access_suspended": (
            "Kirjautumisesi on estetty järjestelmässä (tarkistettu {seen}).",
            "Your login is blocked in the system (checked on {seen}).",
        ),
        "consent_withdrawn": (
            "Peruit suostumuksesi {when}.",
            "You withdrew your consent on {when}.",
        ),
        # courses
        "course": ("Kurssi", "Course"),
        "shortname": ("Lyhyt nimi", "Short name"),
        "roles": ("Rooli", "Role"),
        "groups": ("Ryhmät", "Groups"),
        "last_course_access": ("Viimeksi kurssilla", "Last in the course"),
        "grades": ("Arvosanat", "Grades"),
        "course_total": ("Kurssin kokonaisarvosana", "Course total"),
        "item": ("Arvioitava", "Graded item"),
        "grade": ("Arvosana", "Grade"),
        "feedback": ("Palaute", "Feedback"),
        "graded_at": ("Arvioitu", "Graded"),
        "hidden": ("Piilotettu sinulta", "Hidden from you"),
        "overridden": ("Ohitettu käsin", "Set by hand"),
        "assignment": ("Tehtävä", "Assignment"),
        "due_date": ("Palautettava viimeistään", "Due"),
        "submissions": ("Palautuksesi", "Your submissions"),
        "attempt": ("Yritys", "Attempt"),
        "grading_status": ("Arvioinnin tila", "Grading"),
        "online_text": ("Teksti", "Text"),
        "files": ("Tiedostot", "Files"),
        "time_created": ("Aika", "Time"),
        "time_modified": ("Muokattu", "Modified"),
        "assignment_grades": ("Tehtävän arvosanat", "Assignment grades"),
        # messages and log
        "messages": ("Viestit", "Messages"),
        "sent_by": ("Lähettäjä", "From"),
        "text": ("Viesti", "Message"),
        "activity_log": ("Lokitiedot: mitä teit verkkokursseilla", "Log: what you did online"),
        "event": ("Tapahtuma", "Event"),
        "ip": ("IP-osoite", "IP address"),
        "origin": ("Mistä", "Via"),
        # sections after the data
        "meaning": ("Merkitys", "Meaning"),
        "source": ("Lähde", "Source"),
        "processors": ("Henkilötietojen käsittelijät", "Processors"),
        "dpa_reference": ("Käsittelysopimus", "Processing agreement"),
        "hosting_country": ("Maa", "Country"),
        "system": ("Järjestelmä", "System"),
        "category": ("Tietoryhmä", "Category"),
        "period": ("Säilytysaika", "Kept for"),
        "after": ("Alkaen", "Counted from"),
        "legal_obligations": ("Lakisääteiset säilytysvelvoitteet", "Legal obligations to keep"),
        "holds_on_your_data": ("Tietojasi nyt säilyttävät velvoitteet", "Holds on your data now"),
        "until": ("Asti", "Until"),
        "reason": ("Syy", "Reason"),
        "type": ("Pyyntö", "Request"),
        "received_on": ("Saapunut", "Received"),
        "due": ("Määräaika", "Due"),
        "outcome": ("Tulos", "Outcome"),
        "yes": ("kyllä", "yes"),
        "no": ("ei", "no"),
        "you": ("sinä", "you"),
        "other_user": ("toinen käyttäjä", "another user"),
        # the erasure receipt and plan
        "receipt_title": ("Vahvistus tietojesi poistamisesta", "Confirmation of your erasure"),
        "plan_title": ("Suunnitelma tietojesi poistamisesta", "Plan for erasing your data"),
        "receipt_intro": (
            "Rekisterinpitäjä on poistanut tietosi. Alla kerrotaan järjestelmä kerrallaan, "
            "mitä poistettiin, mitä jäi jäljelle ja miksi.",
            "The controller has erased your data. Below, system by system, is what was "
            "erased, what remains and why.",
        ),
        "plan_intro": (
            "Tämä on suunnitelma: mitään ei ole vielä poistettu. Alla kerrotaan järjestelmä "
            "kerrallaan, mitä poistetaan, mitä jää jäljelle ja miksi.",
            "This is a plan: nothing has been erased yet. Below, system by system, is what "
            "will be erased, what will remain and why.",
        ),
        "erased_at": ("Poistettu", "Erased"),
        "operator": ("Käsittelijä", "Handled by"),
        "register_system": ("Asiakasrekisteri", "Customer register"),
        "erased": ("Poistettu", "Erased"),
        "to_erase": ("Poistetaan", "To be erased"),
        "count": ("Määrä", "Number"),
        "anonymised": (
            "Henkilötiedoistasi poistettiin:",
            "Removed from your personal details:",
        ),
        "to_anonymise": ("Henkilötiedoistasi poistetaan:", "To be removed from your details:"),
        "erased_mark": (
            "Rekisteriin jää vain merkintä, että tietosi on poistettu.",
            "The register keeps only a note that your data was erased.",
        ),
        "kept": ("Säilytetään lain tai sopimuksen vuoksi", "Kept because of a legal obligation"),
        "part": ("Tiedot", "Data"),
        "suppressed": (
            "Jotta tietojasi ei tuoda rekisteriin uudelleen, sähköpostiosoitteesi ja "
            "käyttäjätunnisteesi on tallennettu estolistalle tunnistamattomana tiivisteenä.",
            "So that your data is not brought into the register again, your e-mail address "
            "and user ids are kept on a suppression list as a hash that does not identify you.",
        ),
        "lms_system": ("Verkkokurssijärjestelmä", "Online-course system"),
        "lms_requested": (
            "Tietojesi poistoa on pyydetty verkkokurssijärjestelmältä. Poisto on valmis vasta, "
            "kun järjestelmä on vahvistanut sen; tämä kuitti ei vielä sisällä vahvistusta.",
            "Erasure of your data has been requested from the online-course system. It is "
            "complete only once the system has confirmed it; this receipt does not yet include "
            "that confirmation.",
        ),
        "lms_confirmed": (
            "Verkkokurssijärjestelmä vahvisti tietojesi poiston {when}: luettu tila näytti "
            "käyttäjätilisi poistetuksi. Mitä järjestelmään jäi, kerrotaan alla.",
            "The online-course system confirmed the erasure of your data on {when}: the state "
            "read back showed your account deleted. What it still holds is told below.",
        ),
        "confirmed_at": ("Vahvistettu", "Confirmed"),
        "lms_planned": (
            "Tietojesi poistoa pyydetään verkkokurssijärjestelmältä.",
            "Erasure of your data will be requested from the online-course system.",
        ),
        "method": ("Tapa", "Method"),
        "default_reason": ("pyysit tietojesi poistamista", "you asked for your data to be erased"),
        "remains": ("Mitä järjestelmään jää", "What remains there"),
    }
)

#: The names of the register's codes: field → code → (fi, en).
CODES = MappingProxyType(
    {
        "legal_basis": {
            "customer_relationship": ("asiakassuhde", "customer relationship"),
            "other_connection": ("muu asiallinen yhteys", "another relevant connection"),
            "consent": ("suostumus", "consent"),
        },
        "status": {
            "active": ("voimassa", "active"),
            "withdrawn": ("suostumus peruttu", "consent withdrawn"),
            "erased": ("poistettu", "erased"),
            "granted": ("annettu", "given"),
            "suspended": ("keskeytetty", "suspended"),
            "ended": ("päättynyt", "ended"),
            "open": ("avoin", "open"),
            "closed": ("käsitelty", "closed"),
            "submitted": ("palautettu", "submitted"),
            "draft": ("luonnos", "draft"),
            "new": ("ei palautettu", "not submitted"),
            "reopened": ("avattu uudelleen", "reopened"),
        },
        "kind": {
            "contract": ("sopimus", "contract"),
            "other": ("muu asiallinen yhteys", "another relevant connection"),
        },
        "held_by": {"you": ("sinä", "you"), "your employer": ("työnantajasi", "your employer")},
        "record": {
            "consent": ("suostumus", "consent"),
            "marketing prohibition": ("suoramarkkinointikielto", "direct-marketing prohibition"),
        },
        "purpose": {
            "service": ("palvelun käyttö", "use of the service"),
            "marketing": ("suoramarkkinointi", "direct marketing"),
        },
        "channel": {
            "email": ("sähköposti", "e-mail"),
            "sms": ("tekstiviesti", "text message"),
            "phone": ("puhelin", "phone"),
            "post": ("posti", "post"),
        },
        "enrolment": {
            "suspended": (
                "osallistumisesi kurssille on keskeytetty",
                "your enrolment in the course is suspended",
            ),
            "ended": (
                "osallistumisesi kurssille on päättynyt",
                "your enrolment in the course has ended",
            ),
        },
        "roles": {
            "student": ("opiskelija", "student"),
            "teacher": ("opettaja", "teacher"),
            "editingteacher": ("opettaja", "teacher"),
            "manager": ("ylläpitäjä", "manager"),
        },
        "grading_status": {
            "graded": ("arvioitu", "graded"),
            "notgraded": ("ei vielä arvioitu", "not graded yet"),
        },
        "origin": {
            "web": ("selain", "web browser"),
            "ws": ("mobiilisovellus tai rajapinta", "mobile app or web service"),
            "cli": ("järjestelmän ajo", "system task"),
            "restore": ("kurssin palautus", "course restore"),
        },
        "after": {
            "last_activity": ("viimeisestä käytöstä", "last activity"),
            "course_end": ("kurssin päättymisestä", "the end of the course"),
            "relationship_end": ("asiakkuuden päättymisestä", "the end of the relationship"),
            "created": ("tallentamisesta", "when it was recorded"),
            "last activity": ("viimeisestä käytöstä", "last activity"),
            "course end": ("kurssin päättymisestä", "the end of the course"),
            "relationship end": ("asiakkuuden päättymisestä", "the end of the relationship"),
        },
        "category": {
            "lms_logs": ("verkkokurssien lokitiedot", "online-course logs"),
            "messages": ("viestit", "messages"),
            "submissions": ("tehtäväpalautukset", "assignment submissions"),
            "grades": ("arvosanat", "grades"),
            "customer_data": ("asiakastiedot", "customer data"),
            "invoicing": ("laskutustiedot", "invoicing data"),
            "consents": ("suostumukset", "consents"),
            "lms_data": ("verkkokurssitiedot", "online-course data"),
        },
        "type": {
            "access": ("tietojen tarkastus", "access to data"),
            "rectification": ("tietojen korjaus", "rectification"),
            "erasure": ("tietojen poisto", "erasure"),
            "objection": ("vastustaminen", "objection"),
            "withdrawal": ("suostumuksen peruminen", "withdrawal of consent"),
        },
        "table": {
            "lms_enrolments": ("kurssiliitokset", "course enrolments"),
            "lms_grades": ("arvosanat", "grades"),
            "lms_submissions": ("tehtäväpalautukset", "assignment submissions"),
            "lms_assignment_grades": ("tehtävien arvosanat", "assignment grades"),
            "lms_log_entries": ("lokitiedot", "log entries"),
            "lms_messages": ("viestit", "messages"),
            "lms_accounts": ("verkkokurssien käyttäjätilit", "online-course accounts"),
            "consents": ("suostumukset", "consents"),
            "marketing_prohibitions": ("suoramarkkinointikiellot", "marketing prohibitions"),
            "customer_relationships": ("asiakkuustiedot", "customer relationships"),
            "person_organisations": ("tiedot työnantajastasi", "links to your employer"),
        },
        "part": {
            "identity": ("nimesi ja yhteystietosi", "your name and contact details"),
            "relationships": ("asiakkuustiedot", "customer relationship"),
            "employer": ("tiedot työnantajastasi", "your employer"),
            "consents": ("suostumukset ja kiellot", "consents and prohibitions"),
            "lms_data": ("verkkokurssitiedot", "online-course data"),
        },
        "mode": {
            "privacy_request": (
                "Moodlen tietosuojapoisto: käyttäjätili suljetaan heti, ja Moodle poistaa "
                "tiedot osa kerrallaan",
                "Moodle's data-privacy deletion: the account is closed at once and Moodle "
                "deletes the data part by part",
            ),
            "delete_user": ("Moodlen käyttäjätilin poisto", "Moodle's account deletion"),
        },
        "remains": {
            "privacy_request": (
                "Nimesi jää Moodlen käyttäjätauluun ja poistopyyntöön, poiston lokimerkintä "
                "säilyttää vanhan käyttäjätunnuksesi ja sähköpostiosoitteesi, ja muu jäljelle "
                "jäävä luetaan Moodlesta poiston jälkeen vahvistettuun kuittiin.",
                "Your name stays in Moodle's user table and in the deletion request, the "
                "deletion's log entry keeps your old username and e-mail address, and what "
                "else stays is read back after the deletion for the confirmed receipt.",
            ),
            "delete_user": (
                "Moodle säilyttää poistetun käyttäjän nimen, kaupungin, maan, puhelinnumeron, "
                "osoitteen, kuvauksen, tehtäväpalautukset, keskustelualueviestit, viestit ja "
                "lokitiedot.",
                "Moodle keeps a deleted user's name, city, country, phone, address, "
                "description, submissions, forum posts, messages and logs.",
            ),
        },
        "unit": {
            "days": ("päivää", "days"),
            "months": ("kuukautta", "months"),
            "years": ("vuotta", "years"),
            "day": ("päivä", "day"),
            "month": ("kuukausi", "month"),
            "year": ("vuosi", "year"),
        },
    }
)

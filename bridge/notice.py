"""The privacy notice's texts that the register hands to a data subject, as data.

The access export (N11) repeats the notice clause by clause; the clauses' wording is the
controller's, not the exporter's, so it lives here, keyed by what it answers, and a change
of the notice is a change of this file only. Clause references (``N3`` …) follow
``seed/privacy-notice.en.md``.
"""

from __future__ import annotations

from types import MappingProxyType

#: N3: the text for each legal basis a person can have, and what every basis shares.
LEGAL_BASIS_TEXT = MappingProxyType(
    {
        "customer_relationship": (
            "Your data is processed on the basis of your customer relationship."
        ),
        "other_connection": "Your data is processed on the basis of another relevant connection.",
        "consent": "Your data is processed on the basis of your consent.",
    }
)
LEGAL_BASIS_NOTE = (
    "The service needs some data to work (e-mail, name). Consent can be withdrawn at any "
    "time; you then lose the right to the service."
)

#: N4.
PURPOSES = (
    "Maintaining, managing and developing the customer relationships of the training "
    "services; the controller's own direct marketing (only as your marketing permissions "
    "allow)."
)

#: N6: the content groups, key → (clause, title).
CATEGORIES = MappingProxyType(
    {
        "basic_data": ("N6 a", "Basic data"),
        "employer": ("N6 b", "Employer"),
        "customer_relationship": ("N6 c", "Customer relationship"),
        "consents_and_marketing": ("N6 c", "Consents and direct-marketing permissions"),
        "lms_data": ("N6 d", "Online-course data"),
    }
)

#: N7: what each provenance ``source`` value means.
SOURCES = MappingProxyType(
    {
        "registration": "collected when you registered",
        "lms_sync": "recorded by the online-course system while you used the service",
        "data_subject": "given or corrected by you",
        "admin": "recorded by the controller's staff from your communication with us",
    }
)

#: N8.
NO_DISCLOSURE = (
    "Your data is not disclosed to outsiders and is used only for the purposes above. "
    "Processors that help manage customer data have a GDPR data-processing agreement."
)

#: N9.
NO_TRANSFER = "Your data is not transferred outside the EU/EEA."

#: N11.
RIGHTS = (
    "You have the right to check the data stored about you (this export). A request is "
    "made in writing and signed to the contact person above, or in person at the "
    "controller's address. You have the right to have wrong data corrected, and in some "
    "situations to have your data erased. Electronic direct marketing is sent only with "
    "your consent, and you may withdraw a consent or prohibit direct marketing at any "
    "time. You may lodge a complaint with the supervisory authority (in Finland the Data "
    "Protection Ombudsman, tietosuoja.fi)."
)


def legal_basis_text(code: str) -> str:
    """The N3 text for a person's legal basis, with the note every basis shares."""
    return f"{LEGAL_BASIS_TEXT.get(code, '')} {LEGAL_BASIS_NOTE}".strip()


# --- The letter to the person: the notice's wording in the notice's two languages ---------
#
# The access export and the erasure receipt are letters to the person, in Finnish (the
# notice's original, ``seed/tietosuojaseloste.fi.txt``) or English. Each category has one
# plain sentence about what it is and why it is kept, in the notice's own words.

#: The languages a letter can be written in.
LANGUAGES = ("fi", "en")

#: N6 groups and the other sections of the letter: key → language → (title, sentence).
SECTIONS = MappingProxyType(
    {
        "controller": {
            "fi": (
                "Rekisterinpitäjä ja rekisteri",
                "Rekisterinpitäjä päättää tietojesi käsittelystä; rekisteriä koskevissa "
                "asioissa voit ottaa yhteyttä alla mainittuun yhteyshenkilöön.",
            ),
            "en": (
                "Controller and register",
                "The controller decides how your data is processed; for questions about the "
                "register, contact the person named below.",
            ),
        },
        "basic_data": {
            "fi": (
                "Perustietosi",
                "Perustietosi, kuten nimi, sähköpostiosoite, puhelinnumero ja ammatti; niitä "
                "tarvitaan asiakassuhteen ylläpitämiseen ja palvelun toimimiseen.",
            ),
            "en": (
                "Your basic data",
                "Your basic data, such as name, e-mail address, phone number and profession; "
                "they are needed to maintain the customer relationship and for the service "
                "to work.",
            ),
        },
        "employer": {
            "fi": (
                "Työnantajasi",
                "Työnantajayrityksesi nimi ja y-tunnus sekä yhteys- ja laskutustiedot; niitä "
                "tarvitaan, kun asiakassuhde on työnantajasi kanssa.",
            ),
            "en": (
                "Your employer",
                "Your employer's name and business ID and its contact and billing details; "
                "they are needed when the customer relationship is with your employer.",
            ),
        },
        "customer_relationship": {
            "fi": (
                "Asiakkuutesi",
                "Sopimukseen perustuvaan asiakkuuteen tai muuhun asialliseen yhteyteen "
                "liittyvät tiedot; ne ovat tietojesi käsittelyn peruste.",
            ),
            "en": (
                "Your customer relationship",
                "Data on the customer relationship based on a contract or another relevant "
                "connection; it is the basis on which your data is processed.",
            ),
        },
        "consents_and_marketing": {
            "fi": (
                "Suostumukset ja suoramarkkinointiluvat",
                "Tiedot suoramarkkinointiluvista ja -kielloista; sähköistä suoramarkkinointia "
                "lähetetään vain suostumuksellasi.",
            ),
            "en": (
                "Consents and direct-marketing permissions",
                "Your direct-marketing permissions and prohibitions; electronic direct "
                "marketing is sent only with your consent.",
            ),
        },
        "lms_data": {
            "fi": (
                "Verkkokurssitietosi",
                "Verkkokurssien opiskelijatietoja kuten kurssit, arvosanat ja tehtävätiedot, "
                "sekä järjestelmän tallentamat lokitiedot ja opettajan ja opiskelijan väliset "
                "keskustelut; ne syntyvät, kun käytät verkkokursseja.",
            ),
            "en": (
                "Your online-course data",
                "Student data of the online courses such as courses, grades and assignments, "
                "and the log data and teacher–student conversations the system records; "
                "they arise when you use the online courses.",
            ),
        },
        "legal_basis": {
            "fi": ("Käsittelyn peruste", "Miksi tietojasi saa käsitellä."),
            "en": ("Legal basis of the processing", "Why your data may be processed."),
        },
        "purposes": {
            "fi": ("Käyttötarkoitus", "Mihin tietojasi käytetään."),
            "en": ("Purposes", "What your data is used for."),
        },
        "sources": {
            "fi": (
                "Mistä tiedot ovat peräisin",
                "Henkilötietoja kerätään rekisteröitymisen yhteydessä, palvelua käytettäessä "
                "tai muutoin suoraan sinulta.",
            ),
            "en": (
                "Where the data comes from",
                "Personal data is collected when you register, while you use the service, or "
                "otherwise directly from you.",
            ),
        },
        "recipients": {
            "fi": ("Tietojen luovutukset", "Kenelle tietojasi annetaan."),
            "en": ("Disclosures and processors", "Who receives your data."),
        },
        "transfers": {
            "fi": (
                "Siirrot EU:n ja ETA:n ulkopuolelle",
                "Missä maassa tietojasi käsitellään.",
            ),
            "en": ("Transfers outside the EU/EEA", "Where your data is processed."),
        },
        "retention": {
            "fi": (
                "Kuinka kauan tietoja säilytetään",
                "Henkilötietoja säilytetään vain niin kauan kuin on tarpeellista käsittelyn "
                "tarkoituksen kannalta; säilyttämisvelvollisuus voi määräytyä myös "
                "lainsäädännön perusteella.",
            ),
            "en": (
                "How long the data is kept",
                "Personal data is kept only as long as the purpose of the processing needs; "
                "the law may also oblige the controller to keep it.",
            ),
        },
        "rights": {
            "fi": ("Oikeutesi", "Mitä voit pyytää rekisterinpitäjältä."),
            "en": ("Your rights", "What you can ask of the controller."),
        },
        "requests": {
            "fi": ("Pyyntösi", "Tekemäsi tietosuojapyynnöt ja niiden tila."),
            "en": ("Your requests", "The data-protection requests you have made and their state."),
        },
    }
)

#: N3 in Finnish, keyed like LEGAL_BASIS_TEXT.
LEGAL_BASIS_TEXT_FI = MappingProxyType(
    {
        "customer_relationship": "Tietojasi käsitellään asiakassuhteen perusteella.",
        "other_connection": "Tietojasi käsitellään muun asiallisen yhteyden perusteella.",
        "consent": "Tietojasi käsitellään suostumuksesi perusteella.",
    }
)
LEGAL_BASIS_NOTE_FI = (
    "Palvelu edellyttää toimiakseen tiettyjä henkilötietoja, kuten sähköpostiosoite ja nimi. "
    "Suostumus voidaan koska tahansa peruuttaa, jolloin menetät oikeudet palveluun."
)

#: N4, N7, N8, N9 and N11 in the notice's two languages.
TEXTS = MappingProxyType(
    {
        "fi": MappingProxyType(
            {
                "purposes": (
                    "Henkilötietojasi käsitellään rekisterinpitäjän koulutuspalveluihin liittyvien "
                    "asiakassuhteiden ylläpitämiseen, hoitamiseen ja kehittämiseen. "
                    "Asiakastietoja voidaan käyttää rekisterinpitäjän omaan suoramainontaan "
                    "(vain markkinointilupiesi mukaisesti)."
                ),
                "no_disclosure": (
                    "Henkilötietoja ei luovuteta ulkopuolisille, eikä niitä käytetä muuhun kuin "
                    "tietosuojaselosteessa mainittuun käyttötarkoitukseen. Asiakastietojen "
                    "hallinnassa käytettävien yhteistyökumppaneiden kanssa on tehty "
                    "tietosuoja-asetuksen mukainen sopimus henkilötietojen käsittelystä."
                ),
                "no_transfer": (
                    "Henkilötietoja ei siirretä EU:n tai Euroopan talousalueen ulkopuolelle."
                ),
                "rights": (
                    "Sinulla on oikeus tarkistaa rekisteriin tallennetut henkilötietosi (tämä "
                    "kirje). Tarkastuspyyntö lähetetään kirjallisesti ja allekirjoitettuna "
                    "rekisterin yhteyshenkilölle, tai se voidaan esittää rekisterinpitäjän "
                    "luona. Sinulla on oikeus pyytää virheellisten tietojen oikaisua ja "
                    "tietyissä tilanteissa tietojesi poistamista. Sähköistä suoramarkkinointia "
                    "lähetetään vain suostumuksellasi, ja voit milloin tahansa peruuttaa "
                    "suostumuksesi tai kieltää suoramarkkinoinnin. Voit tehdä valituksen "
                    "valvontaviranomaiselle (Suomessa tietosuojavaltuutetun toimisto, "
                    "tietosuoja.fi)."
                ),
            }
        ),
        "en": MappingProxyType(
            {
                "purposes": PURPOSES,
                "no_disclosure": NO_DISCLOSURE,
                "no_transfer": NO_TRANSFER,
                "rights": RIGHTS,
            }
        ),
    }
)

#: N7 in Finnish, keyed like SOURCES.
SOURCES_FI = MappingProxyType(
    {
        "registration": "kerätty rekisteröitymisen yhteydessä",
        "lms_sync": "verkkokurssijärjestelmän tallentama palvelun käytön aikana",
        "data_subject": "antamasi tai korjaamasi tieto",
        "admin": "rekisterinpitäjän henkilöstön kirjaama yhteydenpidostasi",
    }
)


def legal_basis_letter(code: str, lang: str) -> str:
    """The N3 text for a person's legal basis in the letter's language."""
    if lang == "fi":
        return f"{LEGAL_BASIS_TEXT_FI.get(code, '')} {LEGAL_BASIS_NOTE_FI}".strip()
    return legal_basis_text(code)


def source_text(source: str, lang: str) -> str:
    """What a provenance source means, in the letter's language (the code if unknown)."""
    table = SOURCES_FI if lang == "fi" else SOURCES
    return table.get(source, source.replace("_", " "))

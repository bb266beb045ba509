"""Invented Finnish-looking people and places for generated sites.

Common first and last names combined at random: nobody here is a real person.
"""

from __future__ import annotations

FIRST_NAMES = (
    "Aino", "Eero", "Helmi", "Onni", "Venla", "Leevi", "Aada", "Eino", "Ilona", "Väinö",
    "Lilja", "Toivo", "Siiri", "Akseli", "Pihla", "Niilo", "Kerttu", "Elias", "Hilla",
    "Oliver", "Isla", "Mikko", "Emma", "Veeti", "Sofia", "Lauri", "Aurora", "Juho", "Ella",
    "Eetu", "Linnea", "Aleksi", "Iida", "Otto", "Enni", "Joel", "Saaga", "Ville", "Minea",
    "Topias", "Anni", "Rasmus", "Kaisla", "Santeri", "Nelli", "Aapo", "Alma", "Kasper",
    "Ronja", "Jere", "Olivia", "Emil", "Vilja", "Matias", "Elsa", "Severi", "Tuuli",
    "Arttu", "Oona", "Henrik", "Selma", "Paavo", "Inka", "Jaakko", "Milla", "Kalle",
    "Sanni", "Antti", "Jenna", "Sakari", "Krista", "Tuomas", "Päivi", "Jyrki", "Maija",
)

LAST_NAMES = (
    "Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine",
    "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen",
    "Heinonen", "Niemi", "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Salo", "Laitinen",
    "Tuominen", "Rantanen", "Karjalainen", "Jokinen", "Mattila", "Savolainen", "Lahtinen",
    "Ahonen", "Hiltunen", "Leinonen", "Miettinen", "Väisänen", "Pitkänen", "Aaltonen",
    "Manninen", "Hyvönen", "Lindholm", "Räsänen", "Anttila", "Laaksonen", "Seppälä",
    "Kärkkäinen", "Niskanen", "Honkanen", "Kettunen", "Rautio", "Kallio", "Peltonen",
    "Toivonen", "Koivisto", "Oksanen", "Lindqvist", "Vainio", "Huttunen", "Moilanen",
    "Jääskeläinen", "Ojala", "Harju", "Kauppinen", "Vartiainen", "Kolehmainen", "Lappalainen",
    "Parviainen", "Nurmi", "Partanen", "Kivelä", "Ketola", "Pelkonen", "Halonen", "Hirvonen",
    "Mustonen", "Ikonen", "Holmberg", "Rissanen", "Backman", "Sirviö", "Nyberg", "Lampinen",
)

CITIES = (
    "Helsinki", "Espoo", "Tampere", "Vantaa", "Oulu", "Turku", "Jyväskylä", "Kuopio",
    "Lahti", "Pori", "Joensuu", "Vaasa", "Seinäjoki", "Rovaniemi", "Kotka", "Hämeenlinna",
    "Mikkeli", "Kajaani", "Rauma", "Savonlinna", "Kokkola", "Imatra", "Lappeenranta", "Salo",
)

EMPLOYERS = (
    "Kaukokiito Logistiikka Oy", "Vantaan kaupunki", "Pohjolan Energia Oy",
    "Järvi-Suomen Osuuspankki",
    "Haminan Satama Oy", "Tammi Rakennus Oy", "Koivu Ohjelmistot Oy", "Saimaan Terveys Oy",
    "Lapin Matkailu Oy", "Oppimo Oy",
)

#: (code, Finnish subject name) for course short and full names.
SUBJECTS = (
    ("OHJ", "Ohjelmoinnin perusteet"), ("TIE", "Tietokannat"), ("RUO", "Ruotsin kieli"),
    ("TSK", "Tietosuoja käytännössä"), ("MAT", "Matematiikka"), ("ENG", "Englannin kieli"),
    ("FYS", "Fysiikka"), ("KEM", "Kemia"), ("HIS", "Historia"), ("TAL", "Talousosaaminen"),
    ("VER", "Verkkotekniikka"), ("PRO", "Projektinhallinta"),
)

ASSIGNMENT_NAMES = (
    "Harjoitus 1", "Harjoitus 2", "Lopputyö", "Essee", "Ryhmätyön raportti", "Oppimispäiväkirja",
)

SUBMISSION_TEXTS = (
    "<p>Tässä palautukseni. Muuttujan arvo tulostetaan funktiolla print().</p>",
    "<p>Vastaus: silmukka käy listan läpi ja laskee summan.</p>",
    "<p>Luonnos – täydennän vielä perjantaina.</p>",
    "<p>Rekisterin pitäjä on Oppimo Oy; tietoja säilytetään 5 vuotta.</p>",
)

MESSAGE_TEXTS = (
    ("<p>Hei, muistathan palauttaa harjoituksen ajoissa.</p>",
     "<p>Kiitos muistutuksesta, palautan huomenna.</p>"),
    ("<p>Voinko saada lisäaikaa lopputyöhön?</p>",
     "<p>Voit, uusi määräaika on ensi perjantai.</p>"),
    ("<p>Miksi kurssini on jäädytetty?</p>",
     "<p>Selvitän asian ja palaan huomenna.</p>"),
    ("<p>Palaute on nyt luettavissa arvioinnissa.</p>",
     "<p>Hienoa, katson sen viikonloppuna.</p>"),
)

_FOLD = str.maketrans({"ä": "a", "ö": "o", "å": "a", "Ä": "a", "Ö": "o", "Å": "a"})


def fold(name: str) -> str:
    """ASCII-fold a name for a username: ``Väinö`` -> ``vaino``."""
    return name.translate(_FOLD).lower().replace(" ", "").replace("-", "")

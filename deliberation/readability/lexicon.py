"""Word lists behind the rules: abbreviations, auxiliaries, participles and common long words.

Kept as data in one module so that a reviewer can check the lists without reading the rules.
"""

from __future__ import annotations

import re

from deliberation.readability.language import Language


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# A full stop after these never ends a sentence ("ul. Słowackiego", "np. w parku", "2024 r.").
# "itd.", "itp." and "etc." are left out on purpose: they often do end a sentence.
ABBREVIATIONS: dict[Language, frozenset[str]] = {
    "pl": _words(
        """ul al pl os np tzw r godz dr św prof mgr inż hab ks gen płk mjr kpt por tel wg tj ds
        im woj pow gm ww jw zob sp dot dn tzn ang łac niem bł red oprac wyd"""
    ),
    "en": _words("mr mrs ms dr prof st jr sr vs approx dept est govt cf al ave"),
}

# These end a sentence unless a number follows ("nr 5", "ok. 50 osób", "No. 7").
NUMERIC_ABBREVIATIONS: dict[Language, frozenset[str]] = {
    "pl": _words("nr str s pkt ust art par poz rozdz zał ok min maks ca tys mln mld"),
    "en": _words(
        "no nos p pp vol fig ch sec art para jan feb mar apr jun jul aug sep sept oct nov dec"
    ),
}

# --- Polish passive: a form of "być" or "zostać" followed by a passive participle -------------
PL_BYC = _words(
    """jest są był była było byli były będzie będą jestem jesteś jesteśmy jesteście byłem byłam
    byłeś byłaś byliśmy byłyśmy byliście byłyście będę będziesz będziemy będziecie byłby byłaby
    byłoby byliby byłyby być bywa bywają"""
)
PL_ZOSTAC = _words(
    """zostać zostanę zostaniesz zostanie zostaniemy zostaniecie zostaną zostałem zostałam
    zostałeś zostałaś został została zostało zostaliśmy zostałyśmy zostaliście zostałyście
    zostali zostały zostałby zostałaby zostałoby zostaliby zostałyby zostaje zostają"""
)
# Words that may stand between "być" and the participle ("są już uwzględnione").
PL_PASSIVE_GAP = _words(
    """nie już też także również zawsze wcześniej wtedy dotąd dotychczas jeszcze wkrótce
    to one ono on ona oni wszystkie wszystko dziś jutro później niedawno ostatecznie właśnie
    częściowo całkowicie pozytywnie negatywnie formalnie"""
)
# Nominative endings of passive participles: -any/-ony/-eni, -ęty, -yty/-uty/-ity, -arty.
PL_PARTICIPLE = re.compile(
    r"(?:an[yaei]|on[yae]|eni|ęt[yae]|ęci|[yui]t[yae]|[yui]ci|[ae]rt[yae]|[ae]rci)$"
)
# Nouns and adjectives with a participle's ending ("są zmiany", "jest zielony").
PL_NOT_PARTICIPLE = _words(
    """zmiany strony plany organy rejony regiony telefony sezony miliony biliony ekrany wagony
    balkony kartony zasłony limity kredyty depozyty zeszyty minuty instytuty atrybuty statuty
    kasztany tulipany oceany dywany banany weterani salony pawilony fortepiany zielony zielona
    zielone czerwony czerwona czerwone szalony"""
)
# Impersonal "-no/-to" forms ("zdecydowano", "przyjęto") are the passive's bureaucratic twin.
PL_IMPERSONAL = re.compile(r"^[^\W\d_]{2,}(?:ano|ono|ęto|yto|ito|uto)$")
PL_NOT_IMPERSONAL = _words("siano piano wiano kolano kimono święto koryto zielono czerwono słono")

# --- Polish nominal style ----------------------------------------------------------------------
# Verbal nouns: -anie/-enie/-ęcie/-ycie/-ucie/-arcie in any case, and genitive plural -ań/-eń.
PL_VERBAL_NOUN = re.compile(r"(?:[aeę]ni|[ęyu]ci|[ae]rci)(?:e|a|u|em|ach|ami|om)$|(?<!i)[ae]ń$")
# Other abstract nouns that chain the same way: -cja/-sja/-zja and -ość.
PL_ABSTRACT_NOUN = re.compile(r"(?:cj|[sz]j)(?:a|i|ę|ą|e|om|ach|ami)$|oś(?:ć|ci|cią)$")
# Verbal nouns that became plain nouns ("spotkanie", "mieszkanie", "zdjęcie").
PL_LEXICALISED_NOUN = re.compile(
    r"^(?:spotka|mieszka|zada|pyta|zebra|wydarze|ogłosze|zda|śniada|oświetle|ogrodze|skrzyżowa"
    r"|znacze|wraże|sprawozda|zezwole|pozwole|zaświadcze|wynagrodze|stowarzysze|ubezpiecze"
    r"|wykształce|doświadcze|urządze|otocze|zgromadze|posiedze|pomieszcze|rozwiąza|rozporządze"
    r"|zarządze|oprogramowa|zaprosze|ży|zdję|zaję|poję|uczu|kampani|zamówie|ubra|wyzwa"
    r"|oczekiwa|opakowa|przestrzeń|zieleń|korzeń)"
)
# Openers that turn the next noun into officialese: "w celu realizacji", "w zakresie zmiany".
PL_NOMINAL_OPENERS: tuple[tuple[str, ...], ...] = (
    ("w", "celu"),
    ("celem",),
    ("na", "celu"),
    ("w", "zakresie"),
    ("w", "przedmiocie"),
    ("w", "drodze"),
    ("w", "trybie"),
    ("w", "wyniku"),
    ("w", "toku"),
    ("w", "ramach"),
    ("na", "skutek"),
    ("w", "związku", "z"),
    ("w", "związku", "ze"),
)

# --- English passive ---------------------------------------------------------------------------
EN_BE = _words("am is are was were be been being isn't aren't wasn't weren't isn’t aren’t")
EN_PASSIVE_GAP = _words(
    """not never also already always still then now being been just only often usually
    currently generally typically normally fully partly jointly later further thereby hereby
    automatically then all each both"""
)
EN_IRREGULAR_PARTICIPLES = _words(
    """done given taken made held sent built paid known shown seen written chosen found told
    sold brought bought kept left meant put read set spent thought understood won begun broken
    driven eaten fallen forgotten gotten hidden ridden risen spoken stolen sworn torn thrown
    woken worn drawn grown flown blown laid led lost cut hit hurt let shut spread struck hung
    heard fed felt dealt met sought taught caught fought bound ground withdrawn undertaken
    overseen forbidden forgiven arisen born borne shaken frozen mistaken overtaken rebuilt
    sent upheld withheld overridden rewritten outlined"""
)
EN_NOT_PARTICIPLE = _words(
    """need indeed seed feed speed breed weed deed greed steed bleed creed heed reed proceed
    exceed succeed sacred naked wicked hundred kindred rugged ragged crooked wretched"""
)

# --- Long words too common to flag (they still count in the formulas) --------------------------
PL_COMMON_LONG = re.compile(
    r"^(?:konsultac|informac|poniedział|obywatel|bezpieczeńst|województw|internet|organizac"
    r"|telefon|komunikac|rowerow|mieszka|dzielnic|osiedl|spotka|edukac|propozyc|inwestyc"
    r"|ankiet|formularz|wiadomoś|możliwoś|odpowied|oczywiście|nauczyciel|bibliotek|kultural"
    r"|samochod|komputer|telewiz|autobus|parking|zielon|społeczn|publiczn|urzędni|październik"
    r"|wolontariu|uczestnik|prezydent|oświetl|toalet|monitoring|okolic|wydarze|niebezpiecz"
    r"|niepełnospraw|piaskownic|kilka|potrzeb|przystank)"
)
EN_COMMON_LONG = _words(
    """everyone everything everybody anybody anyone anything another already however important
    community communities government family families different area areas idea ideas library
    libraries energy company companies possible example examples together remember understand
    several general yesterday tomorrow holiday holidays hospital police bicycle bicycles
    internet computer computers telephone video videos radio animal animals natural beautiful
    resident residents national personal political popular january february saturday september
    october november december history cinema camera available information activity activities
    education university recycling elderly disabled newsletter proposal proposals consultation
    consultations participant participants facilitator facilitators interest interested
    tuesday wednesday following usually especially"""
)

"""The demo's wire items: French and English reports released over two minutes.

Written for the demo, except the AFP-style headline article
(``fr-syrie-frappes-russes.txt``, October 2015), which is the shared sample
the matching engine is judged on. Hard negatives are mixed in ("Hamadi" in
Homestead, oil prices) so the demo also shows what does *not* alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HEADLINE = (Path(__file__).parent / "fr-syrie-frappes-russes.txt").read_text(encoding="utf-8").strip()


@dataclass(frozen=True)
class DemoItem:
    """One item of a demo feed, published ``after`` seconds into the demo."""

    feed: str
    slug: str
    title: str
    summary: str
    after: float


ITEMS: tuple[DemoItem, ...] = (
    DemoItem(
        "afp-fr",
        "syrie-frappes-russes-hama-idleb",
        "Syrie : les frappes aériennes russes s'intensifient sur Hama et Idleb",
        HEADLINE,
        0,
    ),
    DemoItem(
        "afp-fr",
        "petrole-recul",
        "Le cours du pétrole recule à l'ouverture des marchés asiatiques",
        "Le baril de Brent cède 1,2 % dans des échanges calmes, les investisseurs attendant "
        "les chiffres de l'emploi américain.",
        0,
    ),
    DemoItem(
        "wire-en",
        "russian-airstrikes-hama-idlib",
        "Russian air strikes pound rebel positions in Hama and Idlib",
        "Russian warplanes carried out dozens of airstrikes overnight on insurgent positions in "
        "Syria's Hama and Idlib provinces, including the Nusra Front, the Syrian Observatory for "
        "Human Rights said. Turkey again protested what it called a violation of its airspace.",
        15,
    ),
    DemoItem(
        "wire-en",
        "hamadi-homestead-marathon",
        "Hamadi wins the Homestead marathon in record time",
        "Kenyan runner Ali Hamadi took the Homestead, Florida marathon on Sunday, Mohammad Saleh second.",
        25,
    ),
    DemoItem(
        "afp-fr",
        "turquie-espace-aerien",
        "La Turquie dénonce une nouvelle violation de son espace aérien par un avion russe",
        "Ankara a convoqué l'ambassadeur de Russie après qu'un Soukhoï a violé l'espace aérien "
        "turc près de la frontière syrienne, dans la province de Hatay.",
        40,
    ),
    DemoItem(
        "wire-en",
        "aleppo-shelling",
        "Government shelling kills civilians in eastern Aleppo",
        "Artillery shelling by forces loyal to Bashar al-Assad hit residential districts of "
        "eastern Aleppo, rescue workers said.",
        55,
    ),
    DemoItem(
        "afp-fr",
        "deir-ezzor-drone",
        "Deir Ezzor : Daech revendique une attaque de drone contre une base du régime",
        "Le groupe État islamique a affirmé avoir mené une attaque au drone piégé contre "
        "l'aéroport militaire de Deir ez-Zor.",
        70,
    ),
    DemoItem(
        "wire-en",
        "idlib-chemical",
        "Idlib: rescuers report suspected chemical attack after air strikes",
        "Rescue workers in Idlib province said dozens suffered breathing problems after air "
        "strikes on Saraqeb, in what they called a chemical attack; Damascus denied it.",
        90,
    ),
)

FEEDS = {
    "afp-fr": {"source": "AFP (demo)", "lang": "fr", "format": "rss"},
    "wire-en": {"source": "Wire EN (demo)", "lang": "en", "format": "atom"},
}

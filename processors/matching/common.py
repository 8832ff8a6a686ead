"""Everyday French and English words (normalised: no accent, lowercase), a deliberately small list.

An alias made only of these words matches its exact spelling only, and a
window of text made only of these words is never a fuzzy or transliteration
match: "Homs" must not wake up on "homes", nor "russes" on "ruses".
"""

from __future__ import annotations

_FRENCH = """
a ai aie ainsi alors apres arme armes assez au aucun aussi autre autres aux avait avant avec avoir
bien bon car ce cela celle celui ces cette chaque chez ci comme comment contre dans de depuis des deux
devant donc dont du elle elles en encore entre est et etaient etait ete etre eux fait faire fin fois font
haut hier homme hommes ici il ils jour jours juste la le les leur leurs lors lui ma mais me meme mes mis
moins mon mort morts ne ni nom non nos notre nous nuit on ont ou par parce pas pays peu peut plus pour
pres puis quand que quel quelle qui rue ruse ruses sa sans se selon ses seul si sien son sont sous sur
ta tant te tes ton tous tout toute toutes tres tu un une vers voici voila vos votre vous ville villes
damasse damassee damasses damassees
annee annees semaine mois heure heures part parti partie place point points porte poste route terre
front fronts garde force forces guerre paix chef chefs etat etats groupe groupes nord sud est ouest
centre region regions province ministre ministere president gouvernement armee regime camp camps
"""

_ENGLISH = """
about above after again against all also am an and any are around as at back be because been before
being below between both but by can could day days did do does down during each even few first for
from further get had has have having he her here hers him his home homes house how if in into is it
its just last later like made make man many may me men more most much must my near new no nor not now
of off on once one only or other our out over own people said same say says she should since so some
still such than that the their them then there these they this those through time to too under until
up upon us very was way we were what when where which while who whom why will with would year years
you your state states city cities town army force forces war peace head chief group groups north south
east west central region province minister ministry president government regime front guard camp
"""

# Capitalised often enough in wire copy to look like names: days, months, institutions, peoples.
_CAPITALISED = """
monday tuesday wednesday thursday friday saturday sunday january february march april may june july
august september october november december lundi mardi mercredi jeudi vendredi samedi dimanche janvier
fevrier mars avril mai juin juillet aout septembre octobre novembre decembre
human rights general united nations council union republic national international observatory
defence defense foreign affairs security red cross crescent king prince prime supreme leader court
homme droits general unies nations conseil union republique nationale internationale observatoire
american americans americain americaine americains british french francais francaise german allemand
syrian syrians syrien syrienne syriens syriennes turkish turc turque turcs kurdish kurde kurdes
arab arabe arabes arabic european europeen europeenne chinese chinois western occidental
"""

COMMON_WORDS: frozenset[str] = frozenset((_FRENCH + _ENGLISH + _CAPITALISED).split())

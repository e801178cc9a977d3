"""Hand-written demo cases a new user can follow, owned by agent1.

- "full": a fibre line moved with a new user's whole journey — first contact in
  the shop, in progress, a promise made, a handover with a note to agent1 (the
  Support fibre advisor), the promise kept, resolved (STORIES A1–A6).
- "outage": a fibre cut shared by neighbours on one cable, waiting on the
  infrastructure operator, with an open promise due in two days (C1–C3).
- "billing": billed while cut off; the promised answer never came, the sweep
  broke the promise and escalated; a new promise is open (B1–B2, C5).
- "delivery": the backup 4G box shipped to the old address; waiting for the
  customer to confirm the new one (A4).
- "fresh": an SMS received forty minutes ago, not yet taken up (E2).
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from filrouge.core.demo.drafts import (
    HELD,
    PARIS,
    PENDING,
    PROGRESS,
    RESOLVED,
    CaseDraft,
    Staff,
    french_day,
)
from filrouge.core.demo.stories import Facts, StaffBook

Script = Callable[[CaseDraft, Facts, StaffBook, dict[str, Staff]], None]
SCRIPTS: dict[str, Script] = {}
DESCRIPTIONS = {
    "full": "histoire complète : premier contact → promesse → passage de relais → résolu",
    "outage": "coupure fibre partagée sur un câble, promesse ouverte",
    "billing": "litige de facturation, promesse non tenue puis escaladée",
    "delivery": "box 4G envoyée à l'ancienne adresse, en attente du client",
    "fresh": "SMS reçu il y a 40 minutes",
}
STARTS = {"full": 12, "outage": 2, "billing": 9, "delivery": 4, "fresh": 0}  # days ago


def script(name: str) -> Callable[[Script], Script]:
    def register(func: Script) -> Script:
        SCRIPTS[name] = func
        return func

    return register


def day(now: datetime, days_ago: float, hour: int, minute: int = 0) -> datetime:
    """A moment `days_ago` days before now (negative: after) at a given Paris hour."""
    local = (now - timedelta(days=days_ago)).astimezone(PARIS)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0).astimezone(now.tzinfo)


_fr = french_day


@script("full")
def full_story(d: CaseDraft, f: Facts, staff: StaffBook, who: dict[str, Staff]) -> None:
    shop, fibre = who["agent2"], who["agent1"]
    d.at = day(d.now, 12, 10, 12)
    d.open(
        subject="Déménagement de la ligne fibre",
        channel="shop",
        by=shop,
        owner=shop,
        message=f"Je déménage au {f.address}, {f.commune}. Deux conseillers m'ont donné deux "
        "dates différentes au téléphone : je voudrais une date fiable et savoir dans quel "
        "ordre ça se passe.",
    )
    d.at += timedelta(minutes=6)
    d.set_status(PROGRESS, by=shop)
    d.at += timedelta(minutes=4)
    d.reply(
        f"Bonjour {f.first_name}, voici les étapes : 1) votre compte passe au {f.address} "
        "aujourd'hui, 2) un technicien raccorde la nouvelle adresse, 3) la box suit. Je vous "
        "confirme chaque date ici et par SMS.",
        channel="sms",
    )
    due = day(d.now, 6, 13)
    d.at += timedelta(minutes=3)
    promise = d.promise(f"Raccordement au {f.address} {_fr(due)} 8h–13h", due=due)
    d.set_next_step("Raccordement par le technicien", due=due)
    d.at = day(d.now, 11, 9, 40)
    d.note(
        "Compte transféré à la nouvelle adresse. Créneau technicien réservé auprès du "
        "sous-traitant."
    )
    d.at += timedelta(minutes=5)
    d.hand_over(
        fibre,
        by=shop,
        note=f"Compte transféré, technicien réservé {_fr(due)} 8h–13h. "
        f"Il reste à suivre le raccordement et à confirmer au client ; il préfère les "
        f"SMS ({f.phone}). Ma ligne directe : {shop.phone}.",
    )
    d.at += timedelta(minutes=50)
    d.reply(
        f"Bonjour {f.first_name}, je suis {fibre.name} du Support fibre et je suis désormais "
        f"votre interlocuteur, ligne directe {fibre.phone}. Le technicien passera "
        f"{_fr(due)} entre 8h et 13h.",
        channel="sms",
    )
    d.at = day(d.now, 7, 19, 12)
    d.says("ok pour jeudi, je serai là. merci", channel="sms")
    d.at = day(d.now, 6, 11, 20)
    d.says(
        "Raccordement effectué, prise posée au salon, synchronisation OK.",
        channel="technician",
        sender="Technicien (sous-traitant)",
    )
    d.at += timedelta(minutes=25)
    d.keep(promise)
    d.reply(
        "Votre ligne fibre est active à la nouvelle adresse. La box a été livrée au bon endroit.",
        channel="sms",
    )
    d.at = day(d.now, 6, 18, 5)
    d.says("Tout marche, merci pour le suivi !", channel="sms")
    d.at = day(d.now, 5, 9, 15)
    d.set_status(RESOLVED, by=fibre, reason="fixed")


@script("outage")
def outage(d: CaseDraft, f: Facts, staff: StaffBook, who: dict[str, Staff]) -> None:
    me = who["agent1"]
    d.at = day(d.now, 2, 7, 48)
    d.open(
        subject="Plus d'internet depuis hier soir",
        channel="sms",
        owner=me,
        priority=3,
        message="bjr plus d'internet depuis hier soir, la box clignote rouge. les voisins "
        "pareil. vous pouvez faire qqch ??",
    )
    d.at = day(d.now, 2, 9, 5)
    d.set_status(PROGRESS, by=me)
    d.note(
        f"{max(f.neighbours, 3)} clients sur le câble {f.cable} signalent la même coupure "
        "depuis hier soir. Ticket ouvert chez l'opérateur d'infrastructure."
    )
    d.at += timedelta(minutes=7)
    d.reply(
        f"Bonjour {f.first_name}, nous confirmons une coupure sur le câble {f.cable} qui "
        "dessert votre immeuble et ceux de vos voisins. Je vous tiens informé(e) ici."
    )
    d.set_status(HELD, by=me, reason="waiting_partner")
    due = day(d.now, -2, 13)
    d.at += timedelta(minutes=30)
    d.promise(f"Passage d'un technicien {_fr(due)} 8h–13h", due=due)
    d.set_next_step("Intervention de l'opérateur d'infrastructure", due=due)
    d.at = day(d.now, 1, 20, 30)
    d.says("Toujours rien. Je télétravaille, vous pouvez accélérer ?", channel="sms")


@script("billing")
def billing(d: CaseDraft, f: Facts, staff: StaffBook, who: dict[str, Staff]) -> None:
    me = who["agent1"]
    d.at = day(d.now, 9, 14, 3)
    d.open(
        subject="Prélevé alors que la ligne est coupée",
        channel="email",
        owner=me,
        message="Madame, Monsieur, j'ai été prélevé de 38,70 € alors que je n'ai pas eu "
        "internet pendant trois semaines. Le premier conseiller avait tout noté, le "
        "suivant me dit que rien n'a été fait. Je demande un remboursement.",
    )
    d.at = day(d.now, 8, 10, 0)
    d.set_status(PROGRESS, by=me)
    d.reply(
        f"Bonjour {f.first_name}, j'ai relu tout votre dossier : vous avez raison, tout "
        "était documenté. Je transmets au service Litiges."
    )
    promise = d.promise(
        "Réponse du service Litiges avant " + _fr(day(d.now, 5, 18)), due=day(d.now, 5, 18)
    )
    d.break_overdue(promise)
    d.at = day(d.now, 4, 8, 12)
    d.says(
        "@FilRougeTelecom on m'avait promis une réponse avant hier. Rien. Bravo.", channel="social"
    )
    d.at = day(d.now, 4, 9, 30)
    d.reply(
        f"Bonjour {f.first_name}, toutes nos excuses pour ce retard. Je passe en message "
        "privé pour ne pas exposer vos données.",
        channel="social",
    )
    d.note("Promesse non tenue : Litiges relancé par téléphone, avoir validé au prorata.")
    due = day(d.now, -3, 18)
    d.promise("Avoir de 38,70 € sur la prochaine facture", due=due)


@script("delivery")
def delivery(d: CaseDraft, f: Facts, staff: StaffBook, who: dict[str, Staff]) -> None:
    me = who["agent1"]
    d.at = day(d.now, 4, 11, 0)
    d.open(
        subject="Box 4G envoyée à l'ancienne adresse",
        channel="whatsapp",
        owner=me,
        message=f"La box 4G de secours est partie à mon ancienne adresse ({f.old_address}) "
        "alors que j'ai déclaré mon déménagement. Le transporteur refuse de la rediriger.",
    )
    d.at = day(d.now, 4, 11, 40)
    d.set_status(PROGRESS, by=me)
    d.note(
        "Le changement d'adresse n'a pas été répercuté sur l'expédition : colis retourné "
        "à l'expéditeur."
    )
    d.reply(
        f"Toutes nos excuses {f.first_name}. Pouvez-vous confirmer l'adresse de livraison : "
        f"{f.address}, {f.commune} ? Une nouvelle box partira dès votre réponse."
    )
    d.set_status(PENDING, by=me, reason="waiting_customer")


@script("fresh")
def fresh(d: CaseDraft, f: Facts, staff: StaffBook, who: dict[str, Staff]) -> None:
    d.at = d.now - timedelta(minutes=40)
    d.open(
        subject="Connexion qui coupe le soir",
        channel="sms",
        owner=who["agent1"],
        message="bjr, la connexion coupe tous les soirs vers 21h depuis une semaine, c "
        "normal ?? merci",
    )

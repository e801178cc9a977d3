"""The training set, written by the project: templates and vocabulary, drawn deterministically.

`python -m filrouge.triage.data.generate` rewrites `train.jsonl` beside this file
(the same bytes every time: one seeded `random.Random`). The held-out set
(`heldout.jsonl`) is *not* made here: it was written by hand, separately, with
other phrasings, and is only read to report the scores (see GUIDE.md).

Each intent has core sentences (with slots filled from the vocabulary); a
message is one core sentence dressed in a register (formal e-mail, SMS
shorthand, angry post, shop or phone note, technician's report), sometimes
with a second topic, anger, a threat to leave or to go public added. The label
is the core sentence's intent: the main topic.
"""

import json
import random
import re
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
PER_INTENT = 230
SEED = 20260305

OPERATORS = ["Free", "Sosh", "SFR", "RED", "Bouygues", "B&You", "Orange", "la concurrence"]
TOWNS = [
    "Paris",
    "Lyon",
    "Lille",
    "Nantes",
    "Rennes",
    "Marseille",
    "Toulouse",
    "Montreuil",
    "Villeurbanne",
    "Bordeaux",
    "Grenoble",
    "Dijon",
    "Tours",
    "Angers",
    "Brest",
]
STREETS = [
    "rue de la République",
    "avenue Jean Jaurès",
    "boulevard Voltaire",
    "rue des Lilas",
    "allée des Tilleuls",
    "rue Victor Hugo",
    "impasse du Moulin",
    "chemin des Vignes",
]
DURATIONS = [
    "hier soir",
    "ce matin",
    "trois jours",
    "une semaine",
    "lundi",
    "48h",
    "deux jours",
    "15 jours",
    "ce week-end",
    "dimanche",
    "trois semaines",
    "5 jours",
    "la nuit dernière",
]
DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "septembre", "octobre"]
AMOUNTS = ["29,99", "45", "59,90", "120", "89", "35,98", "210", "15", "74,50", "39,99"]
SERVICES = ["internet", "la fibre", "la connexion", "le wifi", "la box", "l'ADSL", "le réseau"]
DEVICES = [
    "la box",
    "le décodeur",
    "le répéteur wifi",
    "la Livebox",
    "le boîtier TV",
    "le modem",
    "la carte SIM",
    "la télécommande",
    "le routeur",
    "la Freebox",
]
CARRIERS = ["Colissimo", "Chronopost", "le transporteur", "DPD", "le livreur", "UPS"]
PRODUCTS = [
    "la fibre",
    "un forfait mobile",
    "l'option TV",
    "le forfait 5G",
    "une deuxième ligne",
    "l'offre pro",
    "un forfait 100 Go",
    "le bouquet sport",
    "l'offre famille",
]

CORE: dict[str, list[str]] = {
    "outage": [
        "plus d'internet depuis {dur}",
        "ma connexion est coupée depuis {dur}",
        "{svc} ne fonctionne plus du tout depuis {dur}",
        "coupure totale d'internet et de la télé depuis {dur}",
        "aucune connexion, le voyant de la box clignote rouge",
        "plus de tonalité sur le téléphone fixe",
        "le débit est catastrophique, ça coupe toutes les cinq minutes",
        "pas de réseau mobile chez moi depuis {dur}",
        "le voyant LOS est rouge, plus rien ne passe",
        "la connexion saute sans arrêt, impossible de travailler",
        "tout le quartier est coupé, mes voisins aussi n'ont plus rien",
        "panne de fibre dans ma rue depuis {dur}",
        "je n'ai plus accès à internet, ni wifi ni câble",
        "internet tombe en panne tous les soirs",
        "on est sans internet depuis {dur}, je télétravaille",
        "plus de service du tout, même pas la télé",
        "la fibre est coupée, un câble a été arraché dans la rue",
        "zéro connexion, synchro impossible",
        "la ligne ne synchronise plus, le voyant internet est éteint",
        "je ne capte plus la 4G à la maison depuis {dur}",
        "coupure de réseau à {town} depuis {dur}",
        "internet ne marche toujours pas",
        "toujours pas de connexion malgré le redémarrage",
        "mon fixe n'a plus de tonalité et internet est coupé",
        "impossible de me connecter, page introuvable partout",
        "le réseau est en panne, plus d'appels ni de data",
        "débit très faible et coupures à répétition depuis {dur}",
        "depuis l'orage plus rien ne fonctionne",
        "plus d'internet ni de téléphone depuis {dur}, c'est une panne ?",
        "ma ligne est morte depuis {dur}",
    ],
    "move": [
        "je déménage le {date} et je veux transférer ma ligne",
        "je vais déménager à {town}, comment garder mon abonnement",
        "transfert de mon abonnement vers ma nouvelle adresse",
        "changement d'adresse : j'habite maintenant au {num} {street}",
        "je quitte {town} pour {town2} le mois prochain",
        "déménagement prévu le {date}, je veux conserver mon numéro fixe",
        "pouvez-vous transférer la fibre dans mon nouveau logement",
        "nous emménageons le {date}, la fibre est-elle disponible à la nouvelle adresse",
        "je change de domicile, que dois-je faire pour ma box",
        "mon déménagement est dans deux semaines, il faut basculer la ligne",
        "nouvelle adresse : {num} {street}, {town}",
        "j'ai déménagé et ma ligne est toujours à l'ancienne adresse",
        "comment faire suivre mon contrat internet après mon déménagement",
        "transfert de ligne suite à déménagement, merci de me rappeler",
        "je déménage dans un appartement à {town}, je garde mon offre",
        "le transfert de mon abonnement vers mon nouveau logement n'est pas fait",
        "je pars de mon logement le {date}, je veux couper ici et ouvrir là-bas",
        "demande de déménagement de ma ligne internet",
        "mise à jour de mon adresse postale suite à déménagement",
        "j'emménage au {num} {street}, il faut installer la fibre",
        "mon entreprise déménage ses bureaux, il faut transférer la ligne pro",
        "on change d'appartement, la box doit suivre",
    ],
    "billing": [
        "ma facture est de {amt} euros au lieu de {amt2}",
        "j'ai été prélevé deux fois ce mois-ci",
        "je demande le remboursement de {amt} euros",
        "on m'a facturé des frais de résiliation à tort",
        "ma facture a augmenté sans que je sois prévenu",
        "vous me facturez une option que je n'ai jamais demandée",
        "je ne comprends pas ma dernière facture",
        "un prélèvement de {amt} euros inconnu sur mon compte",
        "je paie mon abonnement alors que je n'ai pas de service depuis {dur}",
        "le montant prélevé ne correspond pas à mon offre",
        "erreur de facturation sur mon compte",
        "trop perçu de {amt} euros à me rembourser",
        "je conteste la facture du mois de {month}",
        "pourquoi ce hors forfait de {amt} euros",
        "la promotion n'a pas été appliquée sur ma facture",
        "je voudrais un échéancier pour payer ma facture",
        "rejet de prélèvement, comment régulariser",
        "changer mon RIB pour le prélèvement",
        "facturé {amt} euros pour un appel que je n'ai pas passé",
        "la facture de {month} est double",
        "vous m'avez débité {amt} euros sans explication",
        "j'attends toujours l'avoir promis sur ma facture",
        "mes factures ne sont plus disponibles dans l'espace client",
        "frais de mise en service facturés alors qu'ils étaient offerts",
    ],
    "delivery": [
        "ma box n'est jamais arrivée",
        "je n'ai toujours pas reçu mon colis",
        "le colis a été envoyé à mon ancienne adresse",
        "{carrier} dit que le colis est livré mais je n'ai rien reçu",
        "où en est la livraison de mon nouveau décodeur",
        "le numéro de suivi ne donne rien",
        "mon colis est bloqué au point relais",
        "la livraison de la carte SIM est en retard",
        "le colis est reparti chez l'expéditeur",
        "le livreur n'est pas passé alors que j'étais là",
        "je devais recevoir le répéteur {day}, toujours rien",
        "commande passée il y a {dur}, pas de livraison",
        "peut-on livrer le colis à une autre adresse",
        "avis de passage mais aucun colis au bureau de poste",
        "le carton est arrivé abîmé et la box est cassée",
        "l'expédition de ma box est annoncée depuis {dur}",
        "le suivi {carrier} indique colis perdu",
        "j'attends l'envoi du matériel de remplacement",
        "on m'a livré le mauvais modèle de box",
        "la box de secours n'a pas été livrée",
        "le colis retour a-t-il bien été reçu",
        "il manque le câble dans le colis reçu",
    ],
    "appointment": [
        "le technicien n'est pas venu au rendez-vous de {day}",
        "je voudrais décaler le rendez-vous du technicien",
        "pouvez-vous me donner un créneau pour l'installation",
        "je ne serai pas disponible {day} matin pour le technicien",
        "confirmez-vous le passage du technicien {day} entre 8h et 13h",
        "prise de rendez-vous pour le raccordement de la fibre",
        "le rendez-vous d'installation a été annulé sans prévenir",
        "à quelle heure passe le technicien {day}",
        "je veux avancer l'intervention prévue le {date}",
        "j'ai attendu toute la matinée, personne n'est venu",
        "rdv technicien à reprogrammer",
        "le technicien doit repasser, quand est le prochain rendez-vous",
        "pouvez-vous fixer une date d'intervention",
        "j'ai reçu un SMS de rendez-vous mais aucune date",
        "le créneau de {day} après-midi me convient mieux",
        "annuler le rendez-vous de {day}, je serai absent",
        "le sous-traitant devait venir {day}, aucune nouvelle de lui",
        "besoin d'un rendez-vous pour brancher la prise optique",
        "l'installateur est venu mais n'avait pas le matériel, il faut un nouveau rendez-vous",
        "je souhaite modifier la date de l'intervention",
    ],
    "cancellation": [
        "je veux résilier mon abonnement",
        "merci de procéder à la résiliation de ma ligne",
        "je souhaite mettre fin à mon contrat",
        "comment résilier mon forfait",
        "je vous envoie ma demande de résiliation",
        "résiliation de mon contrat internet au {date}",
        "je ne veux plus de votre offre, arrêtez mon abonnement",
        "demande de résiliation suite à décès du titulaire",
        "je résilie pour cause de départ à l'étranger",
        "quelle est la procédure pour résilier",
        "je demande la clôture de mon compte",
        "confirmez-moi la résiliation de ma box",
        "je veux mon code RIO pour partir",
        "j'ai envoyé une lettre recommandée de résiliation il y a {dur}",
        "arrêt de mon abonnement à la fin du mois",
        "je souhaite résilier l'option TV seulement",
        "résiliez ma ligne mobile svp",
        "fin de contrat, où renvoyer le matériel",
        "je pars en maison de retraite, il faut résilier la ligne de ma mère",
        "je ne veux plus être client, merci de tout couper",
    ],
    "equipment": [
        "{dev} redémarre tout seul plusieurs fois par jour",
        "{dev} ne s'allume plus",
        "{dev} ne marche plus, il faut l'échanger",
        "le wifi est très faible à l'étage, il me faudrait un répéteur",
        "la télécommande ne répond plus",
        "{dev} chauffe énormément et fait du bruit",
        "je voudrais échanger ma box contre le nouveau modèle",
        "j'ai oublié le mot de passe wifi de la box",
        "le décodeur affiche un écran noir mais internet marche",
        "comment renvoyer l'ancienne box",
        "la carte SIM n'est pas reconnue par mon téléphone",
        "l'écran de la box affiche un code erreur",
        "le boîtier TV se bloque sur la chaîne",
        "le répéteur ne se connecte pas à la box",
        "la prise optique est cassée",
        "{dev} est en panne, le voyant power clignote",
        "ma box a grillé pendant l'orage, il faut la remplacer",
        "comment configurer le wifi sur la nouvelle box",
        "le disque dur du décodeur ne fonctionne plus",
        "je voudrais un deuxième décodeur pour la chambre",
        "le téléphone fixe branché sur la box ne sonne pas",
        "mon adaptateur CPL ne fonctionne plus",
        "le bloc d'alimentation de la box est HS",
    ],
    "sales": [
        "je voudrais souscrire à {prod}",
        "la fibre est-elle disponible à mon adresse",
        "quelles sont vos offres pour {prod}",
        "je veux ajouter une ligne mobile pour ma fille",
        "je souhaite passer à l'offre supérieure",
        "combien coûte {prod}",
        "je suis intéressé par {prod}, quel est le tarif",
        "je voudrais changer de forfait pour plus de data",
        "avez-vous une promotion pour les nouveaux clients",
        "je veux devenir client chez vous",
        "mon logement est-il éligible à la fibre",
        "est-ce que je peux ajouter {prod} à mon abonnement",
        "je viens de {op}, quelle offre pouvez-vous me faire",
        "offre internet pour mon entreprise, pouvez-vous me faire un devis",
        "je voudrais un nouveau téléphone avec mon forfait",
        "souscription en ligne impossible, pouvez-vous m'aider à commander",
        "quel est le prix de l'option Netflix",
        "je cherche un forfait pas cher pour mon fils",
        "vos offres fibre avec TV m'intéressent",
        "je veux augmenter mon débit, quelle offre",
    ],
    "followup": [
        "où en est mon dossier {ref}",
        "toujours pas de nouvelles de ma demande",
        "vous deviez me rappeler {day}, personne ne l'a fait",
        "suite à mon appel du {date}, je n'ai eu aucun retour",
        "des nouvelles de mon dossier ?",
        "je relance ma demande du {date}",
        "je n'ai pas eu de réponse à mon mail de {day}",
        "pouvez-vous me dire où ça en est",
        "cela fait {dur} que j'attends une réponse",
        "le conseiller m'avait promis un retour sous 48h",
        "quel est le statut de ma réclamation {ref}",
        "je reviens vers vous concernant mon dossier",
        "ma demande est-elle bien prise en compte",
        "est-ce que quelqu'un s'occupe de mon dossier {ref}",
        "deuxième relance sans réponse",
        "j'attends toujours le retour promis",
        "avez-vous avancé sur mon problème",
        "je voudrais savoir si mon dossier {ref} avance",
        "on m'a dit qu'on me recontacterait, j'attends encore",
        "je me permets de revenir vers vous, sans réponse depuis {dur}",
    ],
    "complaint": [
        "votre service client est une honte",
        "je veux parler à un responsable",
        "je dépose une réclamation officielle",
        "inadmissible, personne ne répond jamais",
        "le conseiller a été désagréable au téléphone",
        "on m'a raccroché au nez",
        "je suis baladé de service en service depuis {dur}",
        "je demande un geste commercial pour tout ce temps perdu",
        "cinq conseillers, cinq réponses différentes",
        "votre robot ne comprend rien, je veux un humain",
        "aucun suivi, aucune considération pour les clients",
        "je suis très mécontent de la qualité de votre service",
        "on me promet des choses qui ne sont jamais tenues",
        "vos conseillers lisent un script et ne m'écoutent pas",
        "j'exige des excuses et une compensation",
        "plainte contre le comportement du technicien",
        "le service est lamentable, je suis client depuis dix ans",
        "c'est la troisième fois que je dois tout réexpliquer",
        "personne n'a le dossier, je dois tout répéter à chaque appel",
        "je ne suis pas satisfait de la réponse apportée",
        "vous vous moquez des clients",
        "j'attends qu'un responsable prenne enfin mon problème en main",
    ],
    "other": [
        "merci pour votre aide",
        "quels sont les horaires de la boutique",
        "bonjour",
        "test",
        "je voudrais modifier mon adresse e-mail de contact",
        "comment accéder à mon espace client",
        "j'ai une question sur la protection de mes données personnelles",
        "ok merci c'est réglé",
        "vous recrutez des conseillers ?",
        "merci, bonne journée",
        "où se trouve la boutique la plus proche",
        "je souhaite changer le titulaire du compte",
        "quel est le numéro du service client",
        "je voudrais recevoir mes courriers en braille",
        "est-ce que vous faites partie du même groupe que {op}",
        "j'ai perdu mon identifiant",
        "merci beaucoup à Julie pour son accueil en boutique",
        "hello, do you speak English? I need help",
        "hola, necesito ayuda con mi cuenta",
        "guten Tag, ich habe eine Frage",
        "bravo pour la rapidité, tout fonctionne",
        "félicitations à l'équipe",
        "c'est bon, problème résolu, merci",
        "je voudrais parrainer un ami",
        "vous pouvez arrêter de m'envoyer des pubs par SMS",
        "good morning, my internet",
    ],
}

SECONDARY: dict[str, list[str]] = {
    "outage": ["en plus internet coupe souvent", "et la connexion saute le soir"],
    "billing": ["et au passage ma facture est fausse", "et je veux être remboursé"],
    "delivery": ["et je n'ai toujours pas reçu le colis", "la box de remplacement n'est pas là"],
    "appointment": ["il faudra aussi un rendez-vous", "le technicien n'est jamais venu"],
    "equipment": ["et la télécommande ne marche plus", "le décodeur plante aussi"],
    "followup": ["toujours aucune nouvelle de votre part", "personne ne m'a rappelé"],
    "complaint": ["votre service est lamentable", "personne ne m'écoute"],
    "move": ["je déménage bientôt d'ailleurs", "au passage j'ai changé d'adresse"],
    "sales": ["et je voudrais aussi l'option TV", "et ajouter une ligne mobile"],
}
ANGER = [
    "c'est inadmissible",
    "ras le bol",
    "c'est honteux",
    "j'en ai marre",
    "c'est une blague ?",
    "c'est scandaleux",
    "je suis à bout",
    "lamentable",
    "insupportable",
    "vous êtes nuls",
]
THREATS = [
    "sinon je passe chez {op}",
    "je vais partir chez {op}",
    "je résilie et je vais chez {op}",
    "si ça continue je change d'opérateur",
    "j'en ai marre, je pars",
]
PUBLIC = [
    "je vais en parler sur Twitter",
    "je saisis le médiateur",
    "je contacte UFC-Que Choisir",
    "mon avocat va vous écrire",
    "je vais écrire un article sur mon blog",
]
GREETINGS = ["Bonjour,", "Bonjour", "Bonsoir,", "Madame, Monsieur,", "Salut", "Hello", ""]
ENDINGS = [
    "Merci.",
    "Cordialement.",
    "Merci d'avance.",
    "Bien à vous,",
    "Merci de me répondre.",
    "Bonne journée.",
    "",
]
NAMES = ["M. Martin", "Sophie Durand", "J. Petit", "Karim B.", "Mme Lefèvre", "Lucas", "Nadia"]

# SMS shorthand: (pattern, replacement), applied after lower-casing.
SMS = [
    (r"\bbonjour\b", "bjr"),
    (r"\bs'il vous pla[iî]t\b", "svp"),
    (r"\btoujours\b", "tjrs"),
    (r"\bje ne sais pas\b", "jsp"),
    (r"\bpourquoi\b", "pk"),
    (r"\bquand\b", "qd"),
    (r"\brendez-vous\b", "rdv"),
    (r"\bprobl[èe]me\b", "pb"),
    (r"\bbeaucoup\b", "bcp"),
    (r"\baujourd'hui\b", "auj"),
    (r"\bmerci\b", "mrc"),
    (r"\bc'est\b", "c"),
    (r"\bquelque chose\b", "qqch"),
    (r"\bquelqu'un\b", "qqn"),
    (r"\bje suis\b", "chui"),
    (r"\bvous\b", "vs"),
    (r"\bnous\b", "ns"),
    (r"\bpas\b", "pa"),
    (r"\bconnexion\b", "co"),
    (r"\bmessage\b", "msg"),
    (r"\binternet\b", "net"),
    (r"\bd'accord\b", "dac"),
]
_SMS = [(re.compile(p), r) for p, r in SMS]


def _strip_accents(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _fill(rng: random.Random, template: str) -> str:
    values = {
        "dur": rng.choice(DURATIONS),
        "date": f"{rng.randint(1, 28)} {rng.choice(MONTHS)}",
        "day": rng.choice(DAYS),
        "town": rng.choice(TOWNS),
        "town2": rng.choice(TOWNS),
        "num": str(rng.randint(1, 140)),
        "street": rng.choice(STREETS),
        "amt": rng.choice(AMOUNTS),
        "amt2": rng.choice(AMOUNTS),
        "month": rng.choice(MONTHS),
        "svc": rng.choice(SERVICES),
        "dev": rng.choice(DEVICES),
        "carrier": rng.choice(CARRIERS),
        "prod": rng.choice(PRODUCTS),
        "op": rng.choice(OPERATORS),
        "ref": f"FR-2026-{rng.randint(1, 999_999):06d}",
    }
    return template.format(**values)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(("?", "!")) else ".")


def _extras(rng: random.Random, intent: str) -> list[str]:
    parts = []
    if rng.random() < 0.25:
        others = [k for k in SECONDARY if k != intent]
        parts.append(rng.choice(SECONDARY[rng.choice(others)]))
    if rng.random() < 0.3:
        parts.append(rng.choice(ANGER))
    if rng.random() < 0.12:
        parts.append(_fill(rng, rng.choice(THREATS)))
    if rng.random() < 0.08:
        parts.append(rng.choice(PUBLIC))
    return parts


def _register(rng: random.Random, core: str, extras: list[str], intent: str) -> tuple[str, str]:
    """Dress a core sentence; returns (text, channel)."""
    kind = rng.choices(
        ["email", "sms", "tweet", "shop", "phone", "tech", "plain"], [3, 3, 2, 1, 1, 1, 2]
    )[0]
    body = " ".join(_sentence(p) for p in [core, *extras])
    if kind == "email":
        greeting, ending = rng.choice(GREETINGS), rng.choice(ENDINGS)
        text = f"{greeting}\n\n{body}\n\n{ending}\n{rng.choice(NAMES)}".strip()
        return text, "email"
    if kind == "sms":
        text = f"{rng.choice(['bonjour', 'bonsoir', '', 'allo'])} {core} {' '.join(extras)}"
        text = text.lower()
        for pattern, short in _SMS:
            if rng.random() < 0.8:
                text = pattern.sub(short, text)
        if rng.random() < 0.7:
            text = _strip_accents(text)
        text += rng.choice(["", " svp", " merci", " !!", " ??", " stp"])
        return text.strip(), rng.choice(["sms", "whatsapp"])
    if kind == "tweet":
        handle = rng.choice(["@Orange_conseil", "@SFR_SAV", "@free", "@bouyguestelecom", ""])
        text = f"{handle} {body}"
        if rng.random() < 0.4:
            text = text.upper()
        text += rng.choice(["", " #fail", " #servicecient", " 😡", " !!!", " #fibre"])
        return text.strip(), rng.choice(["x", "mastodon"])
    if kind == "shop":
        return f"Client passé en boutique. {body} Dossier à suivre.", "shop"
    if kind == "phone":
        return f"Appel entrant, le client explique : {body}", "phone"
    if kind == "tech":
        if intent in {"outage", "equipment", "appointment"}:
            prefix = rng.choice(["CR intervention :", "Rapport technicien :", "Intervention PTO :"])
        else:
            prefix = "Note technicien :"
        return f"{prefix} {body}", "technician"
    return body, "web"


def examples(seed: int = SEED, per_intent: int = PER_INTENT) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for intent, cores in CORE.items():
        for i in range(per_intent):
            core = _fill(rng, cores[i % len(cores)])
            extras = _extras(rng, intent) if intent != "other" or rng.random() < 0.2 else []
            text, channel = _register(rng, core, extras, intent)
            rows.append({"text": text, "channel": channel, "intent": intent})
    rng.shuffle(rows)
    return rows


def main() -> None:
    path = HERE / "train.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for row in examples():
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{path}: {len(examples())} examples")


if __name__ == "__main__":
    main()

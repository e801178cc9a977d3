"""The fixed material of the demo operator: communes, streets, teams and what people write.

Real communes and postcodes (INSEE codes included) with real street names, so
an address reads like one; the messages are written the way customers of a
French operator write them — SMS shorthand, anger, long e-mails — after the
stories in STORIES.md.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Commune:
    code: str  # short code used in network element codes
    postcode: str
    name: str
    insee: str
    landline_prefix: str  # the French landline zone digit (1 = Île-de-France…)
    weight: int  # share of the demo customers living there
    streets: tuple[str, ...]


COMMUNES: tuple[Commune, ...] = (
    Commune(
        "PAR11", "75011", "Paris", "75111", "1", 16,
        ("rue de la Roquette", "boulevard Voltaire", "rue Oberkampf", "avenue de la République",
         "rue du Faubourg Saint-Antoine", "rue Saint-Maur", "rue de Charonne",
         "boulevard Richard-Lenoir"),
    ),
    Commune(
        "PAR20", "75020", "Paris", "75120", "1", 10,
        ("rue des Pyrénées", "rue de Belleville", "rue de Ménilmontant", "avenue Gambetta",
         "rue de Bagnolet", "rue des Orteaux"),
    ),
    Commune(
        "MTR", "93100", "Montreuil", "93048", "1", 9,
        ("rue de Paris", "boulevard Rouget de Lisle", "rue Marceau", "avenue de la Résistance",
         "rue Robespierre", "boulevard Chanzy", "rue de Vincennes"),
    ),
    Commune(
        "VIN", "94300", "Vincennes", "94080", "1", 5,
        ("rue de Fontenay", "avenue de Paris", "rue du Midi", "rue Defrance",
         "rue Raymond du Temple"),
    ),
    Commune(
        "LYO3", "69003", "Lyon", "69383", "4", 9,
        ("cours Gambetta", "rue Paul Bert", "avenue Félix Faure", "rue Moncey",
         "cours Lafayette", "rue de la Villette"),
    ),
    Commune(
        "VBN", "69100", "Villeurbanne", "69266", "4", 6,
        ("cours Émile Zola", "avenue Henri Barbusse", "rue Francis de Pressensé",
         "rue du 4 Août 1789", "rue Anatole France"),
    ),
    Commune(
        "LIL", "59000", "Lille", "59350", "3", 8,
        ("rue Solférino", "rue Nationale", "boulevard de la Liberté", "rue Gambetta",
         "rue Esquermoise", "rue de Béthune"),
    ),
    Commune(
        "RBX", "59100", "Roubaix", "59512", "3", 5,
        ("Grande Rue", "boulevard de Belfort", "rue de Lannoy", "avenue Jean Lebas",
         "rue de l'Épeule"),
    ),
    Commune(
        "REN", "35000", "Rennes", "35238", "2", 8,
        ("rue de Saint-Malo", "boulevard de la Liberté", "rue d'Antrain", "avenue Janvier",
         "rue Saint-Hélier", "boulevard de Sévigné"),
    ),
    Commune(
        "NTE", "44000", "Nantes", "44109", "2", 7,
        ("rue de Strasbourg", "cours des 50 Otages", "rue Paul Bellamy", "boulevard Guist'hau",
         "rue de la Marne"),
    ),
    Commune(
        "BDX", "33000", "Bordeaux", "33063", "5", 7,
        ("cours de l'Intendance", "rue Sainte-Catherine", "cours Victor Hugo", "rue Judaïque",
         "cours de l'Argonne"),
    ),
    Commune(
        "TLS", "31000", "Toulouse", "31555", "5", 6,
        ("rue d'Alsace-Lorraine", "rue de Metz", "allées Jean Jaurès", "rue Bayard",
         "boulevard de Strasbourg"),
    ),
    Commune(
        "MRS1", "13001", "Marseille", "13201", "4", 4,
        ("La Canebière", "rue de la République", "boulevard d'Athènes", "rue Paradis",
         "rue d'Aubagne"),
    ),
)  # fmt: skip

COMPLEMENTS = ("Bât. B", "Bâtiment A, 3e étage", "Escalier 2", "Apt 12", "Résidence Les Tilleuls",
               "2e étage gauche", "Au fond de la cour")  # fmt: skip


@dataclass(frozen=True)
class TeamSpec:
    slug: str
    name: str
    phone: str
    email: str
    lead_email: str
    lead_name: tuple[str, str]


TEAMS: tuple[TeamSpec, ...] = (
    TeamSpec("support-fibre", "Support fibre", "01 70 99 20 00", "support-fibre@demo.example",
             "resp.support-fibre@demo.example", ("Nadia", "Benali")),
    TeamSpec("boutique-bastille", "Boutique Bastille", "01 70 99 10 00",
             "boutique-bastille@demo.example", "resp.boutique-bastille@demo.example",
             ("Julien", "Marchand")),
    TeamSpec("reseaux-sociaux", "Réseaux sociaux", "01 70 99 30 00",
             "reseaux-sociaux@demo.example", "resp.reseaux-sociaux@demo.example",
             ("Chloé", "Lefèvre")),
    TeamSpec("litiges", "Litiges", "01 70 99 40 00", "litiges@demo.example",
             "resp.litiges@demo.example", ("Philippe", "Garnier")),
    TeamSpec("service-clients", "Service clients", "01 70 99 50 00",
             "service-clients@demo.example", "resp.service-clients@demo.example",
             ("Sophie", "Rousseau")),
)  # fmt: skip

SUPERVISOR_EMAIL = "superviseur@demo.example"
SUPERVISOR_NAME = ("Hélène", "Dumas")

# Weighted draws: (value, weight).
CHANNELS = (("phone", 24), ("email", 14), ("sms", 13), ("chat", 12), ("whatsapp", 8),
            ("social", 10), ("shop", 10), ("web", 4), ("letter", 2), ("technician", 3))  # fmt: skip
INTENTS = (("outage", 17), ("move", 10), ("billing", 16), ("delivery", 7), ("appointment", 9),
           ("cancellation", 5), ("equipment", 11), ("sales", 5), ("followup", 6),
           ("complaint", 9), ("other", 5))  # fmt: skip
EMAIL_DOMAINS = ("gmail.com", "orange.fr", "free.fr", "laposte.net", "hotmail.fr", "yahoo.fr",
                 "sfr.fr", "outlook.fr", "wanadoo.fr", "icloud.com")  # fmt: skip

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")  # fmt: skip

# Subjects per intent: what an advisor or the customer types as the title.
SUBJECTS = {
    "outage": ("Plus d'internet depuis {depuis}", "Coupure fibre — voisins touchés aussi",
               "Box : voyant rouge, plus de connexion", "Internet coupé, télétravail impossible"),
    "move": ("Déménagement de la ligne fibre", "Transfert d'abonnement au {adresse}",
             "Déménagement : date d'installation ?"),
    "billing": ("Contestation facture {de_mois}", "Prélevé alors que la ligne est coupée",
                "Frais de résiliation facturés à tort", "Double prélèvement ce mois-ci"),
    "delivery": ("Box 4G envoyée à l'ancienne adresse", "Colis jamais reçu",
                 "Livraison de la nouvelle box"),
    "appointment": ("Rendez-vous technicien", "Technicien pas venu {jour}",
                    "SMS de rendez-vous contradictoire"),
    "cancellation": ("Demande de résiliation", "Résiliation suite à déménagement à l'étranger",
                     "Je veux partir"),
    "equipment": ("Box qui redémarre toute seule", "Décodeur TV en panne",
                  "Wi-Fi très lent à l'étage"),
    "sales": ("Passage à l'offre fibre 2 Gb/s", "Ajout d'une ligne mobile",
              "Question sur l'offre pro"),
    "followup": ("Relance : toujours pas de nouvelles", "Suite de mon appel du {jour}",
                 "Où en est mon dossier ?"),
    "complaint": ("Réclamation : personne ne rappelle", "Mécontentement général",
                  "Plainte — service client injoignable"),
    "other": ("Question sur mon espace client", "Changement de RIB", "Demande d'information"),
}  # fmt: skip

# What customers write, per intent. "{…}" are filled from the case.
MESSAGES_IN = {
    "outage": (
        "bjr, plus d'internet depuis {depuis}, la box clignote rouge. vous pouvez faire qqch ??",
        "Bonjour, je n'ai plus de connexion depuis {depuis}. Mes voisins du {adresse} sont "
        "dans le même cas, c'est sûrement le câble de la rue.",
        "TROISIÈME fois que j'appelle. Toujours pas de fibre. Je télétravaille, je perds des "
        "journées entières. Vous comptez faire quelque chose ?",
        "slt c coupé depuis hier soir, g redémarré la box 3 fois rien à faire",
        "Bonsoir, coupure totale internet + TV depuis {depuis}. Le robot me dit qu'un "
        "technicien est déjà prévu mais personne ne m'a contacté.",
        "@FilRougeTelecom 3 semaines sans fibre, 4 voisins pareil, et on continue à me "
        "prélever. Bravo.",
    ),
    "move": (
        "Bonjour, je déménage le {date_demenagement} au {adresse}, {ville}. Comment transférer "
        "ma ligne fibre sans coupure ?",
        "bjr je demenage la semaine pro, faut faire quoi pour la box ?",
        "Deux conseillers, deux dates d'installation différentes. Laquelle est la bonne ?",
        "Confirmation de déménagement reçue il y a 3 jours et depuis plus rien. Il se passe quoi ?",
    ),
    "billing": (
        "Bonjour, ma facture {de_mois} est de {montant} € au lieu de 39,99 €. Merci de "
        "m'expliquer.",
        "Vous m'avez prélevé {montant} € alors que je n'ai pas eu internet pendant 3 semaines. "
        "Je demande un remboursement.",
        "jai été prélevé 2 fois ce mois ci ?? c'est quoi ce bazar",
        "Madame, Monsieur, je conteste les frais de résiliation de {montant} € facturés alors "
        "que j'ai résilié pour déménagement dans une zone non couverte.",
        "Le premier conseiller avait tout noté, le suivant me dit que rien n'a été fait. "
        "Je veux parler au service litiges.",
    ),
    "delivery": (
        "La box 4G de secours a été envoyée à mon ANCIENNE adresse ({ancienne_adresse}) "
        "alors que j'ai déclaré mon déménagement. Le transporteur refuse de la rediriger.",
        "bjr tjs pas reçu le colis, le suivi dit livré ??",
        "Le colis est reparti chez l'expéditeur. Il faut le renvoyer au {adresse}, {ville}.",
    ),
    "appointment": (
        "J'ai reçu un SMS qui me donne rendez-vous et dit dans le même message qu'il n'y a "
        "aucune disponibilité. Je dois être là ou pas ?",
        "Le technicien n'est pas venu {jour}, j'ai posé une demi-journée pour rien.",
        "Bonjour, est-il possible de décaler le rendez-vous de jeudi matin ?",
        "ok pour jeudi 8h-13h, je serai joignable au {telephone}",
    ),
    "cancellation": (
        "Bonjour, je souhaite résilier mon abonnement. Faut-il vraiment envoyer un courrier "
        "recommandé ?",
        "Je pars à l'étranger le mois prochain, merci de résilier ma ligne {ligne}.",
        "Après 3 semaines sans service, je pars chez un concurrent. Comment je rends la box ?",
    ),
    "equipment": (
        "La box redémarre toute seule plusieurs fois par jour depuis la mise à jour.",
        "decodeur tv écran noir, code erreur E-301",
        "Le Wi-Fi ne passe pas à l'étage, c'est possible d'avoir un répéteur ?",
        "j'ai redémarré comme demandé, toujours pareil",
    ),
    "sales": (
        "Bonjour, je voudrais passer à l'offre 2 Gb/s, c'est possible à mon adresse ?",
        "Je veux ajouter une ligne mobile pour ma fille, quel forfait ?",
        "Nous sommes une petite entreprise de 4 personnes, quelle offre pro ?",
    ),
    "followup": (
        "Relance : on m'avait promis un rappel avant vendredi, toujours rien.",
        "Bonjour, où en est mon dossier ? Personne ne me tient au courant.",
        "cc, des nouvelles pour ma ligne ?",
        "On m'a donné une adresse e-mail qui ne répond jamais et un numéro qui n'existe pas.",
    ),
    "complaint": (
        "Cinq conseillers différents m'ont répondu, aucun ne connaît mon dossier. "
        "Je suis à deux doigts de partir.",
        "Service client lamentable. Appuyez sur 1, sur 2, sur 3… et au bout personne.",
        "@FilRougeTelecom mon adresse c'est {adresse} et mon numéro {telephone}, rappelez-moi !!",
        "Seul un message public obtient une réponse chez vous ?",
    ),
    "other": (
        "Bonjour, je n'arrive pas à me connecter à mon espace client.",
        "Je voudrais changer le RIB de prélèvement.",
        "Est-ce que vous proposez la TV sur la fibre à {ville} ?",
    ),
}

ANGRY_FOLLOWUPS = (
    "Toujours rien. Ça fait {jours} jours.",
    "Vous vous moquez de moi ? On m'avait promis une réponse.",
    "Je vais résilier si ça continue. Vraiment.",
    "?????",
    "Merci de me rappeler, je suis joignable toute la journée au {telephone}.",
)
THANKS = (
    "Merci, tout fonctionne à nouveau.",
    "c bon ça remarche merci",
    "Bien reçu, merci pour le suivi.",
    "Merci d'avoir enfin réglé ça.",
    "Parfait, merci beaucoup.",
)

# What advisors answer, per intent.
MESSAGES_OUT = {
    "outage": (
        "Bonjour {prenom}, nous confirmons une coupure sur le câble {cable} qui dessert votre "
        "immeuble. L'opérateur d'infrastructure est saisi ; je vous tiens informé(e) ici.",
        "Bonjour, désolé pour la gêne. Pouvez-vous me dire la couleur du voyant de la box ?",
        "Le technicien passera {jour} entre 8h et 13h. Merci de rester joignable.",
    ),
    "move": (
        "Bonjour {prenom}, voici les étapes : 1) transfert du compte au {adresse}, 2) prise "
        "de rendez-vous technicien, 3) envoi de la box. Je vous donne chaque date ici.",
        "Votre compte est transféré. Le raccordement est prévu {jour} matin.",
    ),
    "billing": (
        "Bonjour {prenom}, j'ai vérifié votre facture : un avoir de {montant} € sera appliqué "
        "sur la prochaine.",
        "Je transmets votre contestation au service Litiges, qui vous répondra sous 48 h.",
        "Le double prélèvement vient d'une erreur de notre côté, il sera remboursé sous 5 jours.",
    ),
    "delivery": (
        "Toutes nos excuses {prenom}. Une nouvelle box est expédiée au {adresse}, {ville}.",
        "Le colis a été réexpédié ; numéro de suivi transmis par SMS.",
    ),
    "appointment": (
        "Votre rendez-vous est confirmé {jour} entre 8h et 13h.",
        "Le SMS était erroné, votre rendez-vous est bien maintenu. Toutes nos excuses.",
        "Nouveau créneau proposé : {jour} après-midi. Cela vous convient-il ?",
    ),
    "cancellation": (
        "Bonjour {prenom}, la résiliation peut se faire en ligne depuis votre espace client, "
        "sans courrier. Puis-je vous demander ce qui motive votre départ ?",
        "Votre résiliation est enregistrée. Une étiquette de retour gratuite vous est envoyée "
        "pour la box.",
    ),
    "equipment": (
        "Pouvez-vous débrancher la box 30 secondes puis la rebrancher et me dire si le "
        "problème persiste ?",
        "Un répéteur Wi-Fi vous est envoyé gratuitement.",
        "Une box de remplacement part aujourd'hui au {adresse}.",
    ),
    "sales": (
        "Votre adresse est éligible à l'offre 2 Gb/s ; le changement est effectif demain.",
        "Je vous envoie par e-mail le détail des forfaits mobiles.",
    ),
    "followup": (
        "Bonjour {prenom}, je reprends votre dossier et je vous rappelle avant ce soir.",
        "Je suis désormais votre interlocuteur : ligne directe {ligne_conseiller}.",
    ),
    "complaint": (
        "Bonjour {prenom}, pour protéger vos données, je vous propose de poursuivre en message "
        "privé. Je prends personnellement votre dossier en charge.",
        "Je comprends votre exaspération. Je suis {conseiller}, je reste votre contact "
        "jusqu'à la résolution.",
    ),
    "other": (
        "Bonjour, un lien de réinitialisation vient de vous être envoyé par e-mail.",
        "C'est fait, votre nouveau RIB sera utilisé dès le prochain prélèvement.",
    ),
}
RESOLVED_REPLIES = (
    "Votre problème est résolu. N'hésitez pas à répondre ici si ce n'est pas le cas.",
    "Je clos le dossier ; il se rouvrira automatiquement si vous nous écrivez.",
    "C'est réglé de notre côté. Merci pour votre patience.",
)

NOTES = {
    "outage": (
        "{voisins} clients sur le câble {cable} signalent la même coupure. Ticket ouvert chez "
        "l'opérateur d'infrastructure.",
        "Opérateur d'infrastructure : intervention prévue, pas de date ferme.",
        "Le client a besoin d'une NOUVELLE intervention, pas du ticket du voisin.",
    ),
    "move": (
        "Compte à transférer avant de pouvoir réserver le technicien.",
        "Attention : adresse de livraison de la box à vérifier (ancienne adresse en base).",
    ),
    "billing": (
        "Client prélevé pendant la coupure : avoir à calculer au prorata.",
        "Historique vérifié : le premier conseiller avait bien tout documenté.",
    ),
    "delivery": (
        "Colis parti à l'ancienne adresse : le changement d'adresse n'a pas été répercuté "
        "sur l'expédition.",
    ),
    "appointment": ("Créneau confirmé avec le sous-traitant.",),
    "cancellation": ("Motif : qualité de service après coupure prolongée.",),
    "equipment": ("Redémarrages liés au firmware 4.2 ; remplacement de la box.",),
    "sales": ("Éligibilité vérifiée.",),
    "followup": ("Client relancé trois fois : prioriser.",),
    "complaint": (
        "Le client a publié adresse et téléphone en public : passage en message privé.",
        "Risque de départ exprimé.",
    ),
    "other": ("RAS.",),
}
HANDOVER_NOTES = (
    "Je pars en congés. Tout est dans le fil ; il reste à confirmer la date avec le client.",
    "Transmis au Support fibre : diagnostic fait, intervention technique à planifier.",
    "Pour Litiges : le client conteste {montant} €, pièces jointes dans le fil.",
    "Repris par l'équipe Réseaux sociaux pour passer en privé.",
    "Ce dossier relève du service clients : il reste l'avoir à appliquer.",
)

# Promises advisors make: (text, days until due, hour due).
PROMISES = {
    "outage": (("Passage d'un technicien {jour} 8h–13h", 3, 13),
               ("Rappel du client avant {jour} 18h", 2, 18)),
    "move": (("Raccordement à la nouvelle adresse {jour} matin", 6, 12),
             ("Confirmation de la date d'installation avant {jour} 18h", 2, 18)),
    "billing": (("Avoir de {montant} € sur la prochaine facture", 10, 18),
                ("Réponse du service Litiges avant {jour}", 2, 18)),
    "delivery": (("Réexpédition de la box 4G au {adresse} avant {jour}", 3, 18),),
    "appointment": (("Technicien {jour} 8h–13h", 4, 13),),
    "cancellation": (("Étiquette de retour envoyée avant {jour}", 2, 18),),
    "equipment": (("Box de remplacement livrée avant {jour}", 3, 18),),
    "sales": (("Activation de la nouvelle offre avant {jour}", 2, 18),),
    "followup": (("Rappel du client avant {jour} 18h", 1, 18),),
    "complaint": (("Rappel par le responsable d'équipe avant {jour}", 2, 18),),
    "other": (("Réponse par e-mail avant {jour}", 1, 18),),
}  # fmt: skip

NEXT_STEPS = {
    "outage": "Intervention de l'opérateur d'infrastructure",
    "move": "Rendez-vous de raccordement",
    "billing": "Réponse du service Litiges",
    "delivery": "Livraison de la box",
    "appointment": "Passage du technicien",
    "cancellation": "Retour de l'équipement",
    "equipment": "Livraison de la box de remplacement",
    "sales": "Activation de l'offre",
    "followup": "Rappel du client",
    "complaint": "Rappel par le responsable",
    "other": "Réponse au client",
}

"""Closed vocabularies of the domain.

Codes are stable (they are stored and synced); their French and English labels live in
resources/catalogues/vocabularies.csv so that wording can change without a migration.
"""

from __future__ import annotations

from enum import Enum


class StrEnum(str, Enum):
    def __str__(self) -> str:  # so f-strings and SQL parameters get the code
        return self.value


class StructureKind(StrEnum):
    FIXE = "fixe"
    BUS = "bus"


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISEUR = "superviseur"
    ADMINISTRATEUR = "administrateur"


class Canal(StrEnum):
    GUICHET = "guichet"
    ITINERANT_BUS = "itinerant_bus"
    TELEPHONE = "telephone"
    VISIO = "visio"
    DOMICILE = "domicile"
    COURRIEL = "courriel"


class Thematique(StrEnum):
    PAPIERS_CITOYENNETE = "papiers_citoyennete"
    FAMILLE_SCOLARITE = "famille_scolarite"
    SOCIAL_SANTE = "social_sante"
    TRAVAIL_FORMATION = "travail_formation"
    LOGEMENT = "logement"
    TRANSPORTS_MOBILITE = "transports_mobilite"
    ARGENT_IMPOTS = "argent_impots"
    JUSTICE = "justice"
    ETRANGERS_EUROPE = "etrangers_europe"
    COURRIER = "courrier"


class ResponseType(StrEnum):
    INFORMATION_ORIENTATION = "information_orientation"
    ACCOMPAGNEMENT_NUMERIQUE = "accompagnement_numerique"
    DEMARCHE_REALISEE_AVEC_USAGER = "demarche_realisee_avec_usager"
    DEMARCHE_REALISEE_SOUS_MANDAT = "demarche_realisee_sous_mandat"
    MISE_EN_RELATION_PARTENAIRE = "mise_en_relation_partenaire"
    REORIENTATION_AUTRE_STRUCTURE = "reorientation_autre_structure"
    PRISE_DE_RENDEZ_VOUS = "prise_de_rendez_vous"


class Autonomy(StrEnum):
    ENTIEREMENT_ACCOMPAGNE = "entierement_accompagne"
    A_PARTICIPE = "a_participe"
    PLUTOT_AUTONOME = "plutot_autonome"


class Finalisation(StrEnum):
    FINALISEE = "finalisee"
    A_FINALISER_EN_AUTONOMIE = "a_finaliser_en_autonomie"
    DOIT_REVENIR = "doit_revenir"
    ORIENTE_VERS_STRUCTURE = "oriente_vers_structure"


class Mandate(StrEnum):
    AUCUN = "aucun"
    PAPIER = "papier"
    SMS = "sms"
    ORAL_TELEPHONE = "oral_telephone"
    AIDANTS_CONNECT = "aidants_connect"


class CaseStatus(StrEnum):
    OUVERT = "ouvert"
    EN_ATTENTE_PARTENAIRE = "en_attente_partenaire"
    CLOS = "clos"
    ANNULE = "annule"  # entered by mistake: kept for history, never counted


class AgeBand(StrEnum):
    MOINS_18 = "moins_18"
    A18_24 = "18_24"
    A25_39 = "25_39"
    A40_59 = "40_59"
    A60_69 = "60_69"
    A70_PLUS = "70_plus"
    NON_COMMUNIQUE = "non_communique"


class Gender(StrEnum):
    FEMININ = "feminin"
    MASCULIN = "masculin"
    NON_COMMUNIQUE = "non_communique"


class Territory(StrEnum):
    """Where the usager lives, as funders count it: a quartier prioritaire de la politique de la
    ville or a zone de revitalisation rurale. A flag, not an address (minimisation)."""
    QPV = "qpv"
    ZRR = "zrr"
    HORS = "hors_qpv_zrr"
    NON_COMMUNIQUE = "non_communique"


class SocialStatus(StrEnum):
    SCOLARISE_ETUDIANT = "scolarise_etudiant"
    SANS_EMPLOI = "sans_emploi"
    EN_EMPLOI = "en_emploi"
    RETRAITE = "retraite"
    NON_COMMUNIQUE = "non_communique"


class CorrectionReason(StrEnum):
    """Why a closed month's totals changed: the code is sent nationally; any free text a supervisor
    adds stays in the local sync journal."""
    SAISIE_TARDIVE = "saisie_tardive"
    SAISIE_ERRONEE = "saisie_erronee"
    DOUBLON = "doublon"
    DATE_CORRIGEE = "date_corrigee"
    PARTENAIRE_CORRIGE = "partenaire_corrige"
    HORLOGE_INCORRECTE = "horloge_incorrecte"
    RESTAURATION = "restauration"
    AUTRE = "autre"


# vocabulary name in vocabularies.csv -> enum class; the catalogue loader checks both agree.
VOCABULARIES: dict[str, type[StrEnum]] = {
    "structure_kind": StructureKind,
    "role": Role,
    "canal": Canal,
    "thematique": Thematique,
    "response_type": ResponseType,
    "autonomy": Autonomy,
    "finalisation": Finalisation,
    "mandate": Mandate,
    "status": CaseStatus,
    "age_band": AgeBand,
    "gender": Gender,
    "social_status": SocialStatus,
    "territory": Territory,
    "correction_reason": CorrectionReason,
}

COUNTED_STATUSES = (CaseStatus.OUVERT, CaseStatus.EN_ATTENTE_PARTENAIRE, CaseStatus.CLOS)

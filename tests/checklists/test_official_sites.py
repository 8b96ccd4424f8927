"""« Site officiel ? »: real official sites are accepted, lookalikes refused with the reason and
the official site that does the démarche."""

from __future__ import annotations

import pytest

from app.core.official_sites import check, format_phone, is_official_link, load_sites, skeleton
from app.models.errors import CatalogueError, ValidationError

OFFICIAL = [
    "service-public.fr",
    "https://www.service-public.fr/particuliers/vosdroits/F2485",
    "https://mon.service-public.fr",
    "ants.gouv.fr",
    "https://passeport.ants.gouv.fr/demarches-en-ligne",
    "https://www.impots.gouv.fr/particulier",
    "timbres.impots.gouv.fr",
    "ameli.fr",
    "https://assure.ameli.fr",
    "www.caf.fr",
    "https://www.info-retraite.fr",
    "lassuranceretraite.fr",
    "francetravail.fr",
    "https://www.msa.fr",
    "laposte.fr",
    "justice.fr",
    "https://www.anah.gouv.fr",
    "france-renov.gouv.fr",
    "maprimerenov.gouv.fr",
    "etudiant.gouv.fr",
    "https://messervices.etudiant.gouv.fr/envole",
    "WWW.AMELI.FR",                      # case does not matter
    "ＡＭＥＬＩ.fr",                       # full-width letters: the browser visits ameli.fr
    "https://www.francetravail.fr:443/candidat",
    "service-public.fr.",                # trailing dot of a fully-qualified name
    "https://ameli.fr/@evil.com",        # the @ is in the path: host is ameli.fr
]

# (address, imitated official domain or None, words expected in the explanation)
LOOKALIKES = [
    ("ants-gouv.fr", "ants.gouv.fr", "tiret remplace un point"),
    ("https://www.ants-gouv.fr/carte-grise", "ants.gouv.fr", "tiret"),
    ("service-public.org", "service-public.fr", "autre extension"),
    ("www.service-public.com", "service-public.fr", "autre extension"),
    ("impots-gouv.com", "impots.gouv.fr", "autre extension"),
    ("ameli.com", "ameli.fr", "autre extension"),
    ("ameli.fr.example.com", "ameli.fr", "le site réel est example.com"),
    ("https://impots.gouv.fr.securite-paiement.com/payer", "impots.gouv.fr", "securite-paiement.com"),
    ("https://ameli.fr@evil.com", "ameli.fr", "avant un « @ »"),
    ("https://www.caf.fr:secret@caf-remboursement.net/", "caf.fr", "avant un « @ »"),
    ("аmeli.fr", "ameli.fr", "autre alphabet"),                     # Cyrillic а
    ("xn--meli-43d.fr", "ameli.fr", "autre alphabet"),              # same name, punycode
    ("sеrvice-public.fr", "service-public.fr", "autre alphabet"),   # Cyrillic е
    ("impôts.gouv.fr", "impots.gouv.fr", "autre alphabet"),         # IDN under gouv.fr is not vouched for
    ("arneli.fr", "ameli.fr", "se ressemblent"),                    # rn for m
    ("imp0ts.gouv.fr.com", "impots.gouv.fr", ""),
    ("amelii.fr", "ameli.fr", "lettres diffèrent"),
    ("servicepublic.fr", "service-public.fr", "lettres diffèrent"),
    ("lassurance-retraite.fr", "lassuranceretraite.fr", "lettres diffèrent"),
    ("francetravial.fr", "francetravail.fr", "lettres diffèrent"),
    ("info-retraite.com", "info-retraite.fr", "autre extension"),
    ("caf-aide-logement.com", "caf.fr", "reprend le nom « caf »"),
    ("mon-ameli-remboursement.net", "ameli.fr", "reprend le nom « ameli »"),
    ("https://ants.gouv.fr.evil.ru/login", "ants.gouv.fr", "evil.ru"),
    ("notameli.fr", None, ""),
    ("carte-grise-express.fr", None, ""),
    ("google.com", None, ""),
    ("http://192.168.1.20/ameli", None, "adresse IP"),
]


@pytest.mark.parametrize("address", OFFICIAL)
def test_official_sites_are_accepted(address):
    verdict = check(address)
    assert verdict.official, verdict.message
    assert verdict.message.startswith("Site officiel")


@pytest.mark.parametrize("address, imitated, why", LOOKALIKES)
def test_lookalikes_are_refused_with_the_reason(address, imitated, why):
    verdict = check(address)
    assert not verdict.official
    assert "NON officiel" in verdict.message
    assert (verdict.lookalike_of.domain if verdict.lookalike_of else None) == imitated
    assert why in verdict.message
    if imitated:
        assert verdict.suggestions[0].domain == imitated


def test_the_table_has_at_least_thirty_addresses():
    assert len(OFFICIAL) + len(LOOKALIKES) >= 30


@pytest.mark.parametrize("address, suggested", [
    ("carte-grise-express.fr", "ants.gouv.fr"),
    ("https://www.acte-de-naissance-en-ligne.com/commander", "service-public.fr"),
    ("extrait-casier-judiciaire.org", "casier-judiciaire.justice.gouv.fr"),
    ("https://mon-permis-rapide.fr", "ants.gouv.fr"),
])
def test_a_refused_site_gets_the_official_site_of_the_demarche(address, suggested):
    verdict = check(address)
    assert not verdict.official
    assert suggested in [s.domain for s in verdict.suggestions]


def test_the_procedure_in_hand_points_to_its_partner_site():
    verdict = check("demarches-express.fr", procedure_code="CAF-LOGEMENT")
    assert "caf.fr" in [s.domain for s in verdict.suggestions]


def test_any_ascii_gouv_fr_site_is_a_state_site_and_said_so():
    verdict = check("https://www.mesdemarches.gouv.fr")
    assert verdict.official and verdict.entry.rule == "suffixe"
    assert "site de l'État" in verdict.message
    assert not check("gouv.fr.example.org").official
    assert not check("exemplegouv.fr").official


def test_http_is_official_but_the_agent_is_told_to_use_https():
    verdict = check("http://www.caf.fr")
    assert verdict.official and "https://" in verdict.message
    assert not is_official_link("http://www.caf.fr")
    assert is_official_link("https://www.caf.fr/allocataires")


@pytest.mark.parametrize("bad", ["", "   ", "ftp://ameli.fr", "ameli .fr", "https://", "exa_mple..fr",
                                 "https://ameli.fr:abc/", "xn--zzzz-!!.fr"])
def test_unusable_input_gets_a_french_message_on_the_url_field(bad):
    with pytest.raises(ValidationError) as err:
        check(bad)
    assert err.value.field == "url"


def test_skeleton_folds_homoglyphs_and_ascii_tricks():
    assert skeleton("аmеli") == "ameli"
    assert skeleton("arneli") == "ameli"
    assert skeleton("imp0ts") == "impots"


def test_phone_numbers_are_printed_in_pairs():
    assert format_phone("3230") == "32 30"
    assert format_phone("0809401401") == "08 09 40 14 01"


def test_a_broken_allowlist_is_refused(tmp_path):
    path = tmp_path / "official_sites.csv"
    path.write_text("domain,rule,label,partner,url,phone,topics\nameli.fr,domaine,Ameli,CPAM,http://www.ameli.fr,,\n",
                    encoding="utf-8")
    with pytest.raises(CatalogueError, match="ligne 2.*https://"):
        load_sites(path)

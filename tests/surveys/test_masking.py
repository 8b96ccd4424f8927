"""Comments are checked for obvious personal data, which is masked before saving."""

from __future__ import annotations

import pytest

from app.core.surveys import mask_personal_data

EMAILS = ["jean.dupont@gmail.com", "Jean.Dupont+caf@orange.fr", "j_d-2@mairie.testville.fr",
          "marie @ free.fr", "jean(at)laposte.net", "jean [at] sfr.fr", "paul arobase wanadoo.fr",
          "jean . dupont @ gmail . com", "ÉLODIE@exemple.fr"]
PHONES = ["0612345678", "06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78", "06/12/34/56/78",
          "+33612345678", "+33 6 12 34 56 78", "+33 (0)6 12 34 56 78", "0033 6 12 34 56 78",
          "+33.6.12.34.56.78", "01 23 45 67 89", "06 12  34 56 78", "06\u00a012\u00a034\u00a056\u00a078",
          "(+33) 6 12 34 56 78", "+32 470 12 34 56", "0 800 123 456"]
NIRS = ["1850578006084", "185057800608436", "1 85 05 78 006 084 36", "2 90 12 2A 123 456 78",
        "2.90.12.2B.123.456", "1-85-05-78-006-084", "185 05 78 006 084"]
KEPT = ["Très bon accueil, merci !", "Rendez-vous le 12/03/2026 à 14 h", "J'ai payé 1 500 €",
        "Appelé le 3939 puis le 3230", "dossier réglé en 2 jours", "Né en 1985", "contact @ l'accueil",
        "note 5/5", "le 12.03.2026"]


@pytest.mark.parametrize("email", EMAILS)
def test_emails_are_masked(email):
    out = mask_personal_data(f"Écrivez-moi à {email} svp")
    assert "[courriel masqué]" in out
    assert email.split("@")[0].split("(")[0].split("[")[0].strip()[:4] not in out.replace("Écrivez", "")
    assert out.startswith("Écrivez-moi à ") and out.endswith(" svp")


@pytest.mark.parametrize("phone", PHONES)
def test_phone_numbers_are_masked(phone):
    out = mask_personal_data(f"rappelez-moi au {phone}, merci")
    assert "[téléphone masqué]" in out, out
    assert not any(ch.isdigit() for ch in out), out
    assert out.endswith(", merci")


@pytest.mark.parametrize("nir", NIRS)
def test_nir_like_numbers_are_masked(nir):
    out = mask_personal_data(f"mon numéro de sécu {nir} est faux")
    assert "[numéro masqué]" in out, out
    assert not any(ch.isdigit() for ch in out), out
    assert out.endswith(" est faux")


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_comments_are_kept(text):
    assert mask_personal_data(text) == text


def test_several_items_in_one_comment():
    out = mask_personal_data("a@b.fr ou 06 12 34 56 78 ou 1 85 05 78 006 084 36")
    assert out == "[courriel masqué] ou [téléphone masqué] ou [numéro masqué]"

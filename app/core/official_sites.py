"""« Site officiel ? » — is a URL or domain one of the official sites of the démarches?

Paid lookalike sites charge usagers for free procedures (Sénat, rapport n° 895, 2024-2025). The
allowlist is data (resources/official_sites.csv); the same list validates the links of the
moments de vie catalogue, so a checklist can never send a usager to a site this check refuses.

Rules (documented in docs/readme/checklists.md):
- The address is parsed as a browser does: the WHATWG URL Standard, through `ada_url` (Ada, the
  parser inside Node.js, which passes the web-platform-tests). Writing our own parser is how
  `https://evil.com\\@ameli.fr` came to be called official: for http(s) a browser reads `\\` as
  `/`, so the host is evil.com. An address typed without a scheme is read as https://…, as the
  address bar does. Whatever the parser refuses, and hosts that are not plain DNS names, get an
  « adresse invalide » ValidationError; no other exception leaves `check()`.
- Official: the host the browser would really visit (after IDNA/UTS-46 mapping, userinfo and
  port removed) is an allowlisted domain or a subdomain of one (label boundary, never a plain
  "endswith": `notameli.fr` is refused).
- Rule « suffixe » `gouv.fr`: any *.gouv.fr host is accepted as a site of the State, because
  only government bodies can register under gouv.fr (AFNIC charter). Such hosts are reported as
  « site de l'État » rather than as a listed site.
- Everything else is refused; we then say *why* it looks official (homoglyphs, punycode, dash for
  dot, another extension, the official name inside a longer address, an @ trick, a one-letter
  typo) and which official site does the démarche.
"""

from __future__ import annotations

import csv
import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.models.errors import CatalogueError, ValidationError
from app.resources import resource_path

SITES_FILE = "official_sites.csv"
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")

# Characters that render like ASCII letters in common fonts (Unicode confusables, the subset that
# matters for .fr domains: Cyrillic, Greek and a few Latin letters).
_CONFUSABLES = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "к": "k", "м": "m", "т": "t",
    "п": "n", "г": "r", "в": "b", "ѵ": "v", "ү": "y", "ɡ": "g", "ɑ": "a", "ı": "i", "ɩ": "i",
    "ł": "l", "α": "a", "ο": "o", "ν": "v", "ρ": "p", "ι": "i", "κ": "k", "τ": "t", "υ": "u",
    "χ": "x", "ε": "e", "ϲ": "c", "ԍ": "g", "ꮃ": "w", "ո": "n", "ս": "u", "ⅼ": "l",
})
# ASCII tricks read the same at a glance.
_ASCII_LOOKALIKES = (("rn", "m"), ("vv", "w"), ("0", "o"), ("1", "l"), ("cl", "d"))


@dataclass(frozen=True)
class SiteEntry:
    domain: str
    rule: str  # "domaine" | "suffixe"
    label: str
    partner: str | None
    url: str | None
    phone: str | None
    topics: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    text: str
    host: str  # ASCII (punycode) host the browser would visit; "" if none
    display_host: str  # Unicode form, what the usager sees
    official: bool
    entry: SiteEntry | None  # matched entry when official
    lookalike_of: SiteEntry | None
    reasons: tuple[str, ...]
    suggestions: tuple[SiteEntry, ...]

    @property
    def message(self) -> str:
        if self.official:
            name = self.entry.label if self.entry else self.display_host
            head = f"Site officiel : {self.display_host} ({name})."
        else:
            head = f"Site NON officiel : {self.display_host or self.text} n'est pas dans la liste des sites officiels."
        return " ".join([head, *self.reasons])


def load_sites(path: Path | None = None) -> list[SiteEntry]:
    """Read and check official_sites.csv. Raises CatalogueError (file, line, reason)."""
    path = path or resource_path(SITES_FILE)
    name = path.name
    entries: list[SiteEntry] = []
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise CatalogueError(name, None, f"fichier illisible ({exc.strerror})") from None
    with handle:
        reader = csv.DictReader(handle)
        need = ["domain", "rule", "label", "partner", "url", "phone", "topics"]
        if [c for c in need if c not in (reader.fieldnames or [])]:
            raise CatalogueError(name, 1, f"colonnes attendues : {', '.join(need)}")
        seen = set()
        for row in reader:
            line = reader.line_num
            domain = (row["domain"] or "").strip().lower()
            labels = domain.split(".")
            if len(labels) < 2 or not all(_LABEL.match(x) for x in labels):
                raise CatalogueError(name, line, f"domaine « {domain} » invalide")
            if domain in seen:
                raise CatalogueError(name, line, f"domaine « {domain} » en double")
            seen.add(domain)
            if row["rule"] not in ("domaine", "suffixe"):
                raise CatalogueError(name, line, "règle attendue : domaine ou suffixe")
            url = (row["url"] or "").strip() or None
            if url and (not url.startswith("https://") or not _host_within(_host_or_empty(url), domain)):
                raise CatalogueError(name, line, f"l'adresse {url} doit être en https:// sur {domain}")
            topics = tuple(_words(t) for t in (row["topics"] or "").split("|") if t.strip())
            entries.append(SiteEntry(domain, row["rule"], row["label"].strip(), (row["partner"] or "").strip() or None,
                                     url, (row["phone"] or "").strip() or None, topics))
    if not entries:
        raise CatalogueError(name, None, "aucun site officiel")
    return entries


@lru_cache(maxsize=1)
def sites() -> tuple[SiteEntry, ...]:
    return tuple(load_sites())


def _host_or_empty(url: str) -> str:
    try:
        return _split(url)[2]
    except ValidationError:
        return ""


def _host_within(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def _words(text: str) -> str:
    """Lower-case ASCII words separated by single spaces (for topic matching)."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.split(r"[^a-z0-9]+", text)).strip()


def _to_unicode(host: str) -> str:
    out = []
    for label in host.split("."):
        if label.startswith("xn--"):
            try:
                label = label[4:].encode("ascii").decode("punycode")
            except Exception:
                raise ValidationError("Adresse invalide : encodage « xn-- » incorrect.", field="url") from None
        out.append(label)
    return ".".join(out)


def skeleton(text: str) -> str:
    """What a domain looks like at a glance: accents dropped, homoglyphs folded to ASCII."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_CONFUSABLES)
    for fake, real in _ASCII_LOOKALIKES:
        text = text.replace(fake, real)
    return text


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance."""
    prev2, prev = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if prev2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(.*)", re.S)
# Schemes that open something other than a web page even without "//" after them.
_OTHER_SCHEMES = frozenset({"mailto", "javascript", "vbscript", "data", "file", "tel", "sms", "blob", "about",
                            "intent", "market", "news", "magnet", "geo", "chrome", "edge", "view-source"})
INVALID = "Adresse invalide : ce n'est pas une adresse qu'un navigateur peut ouvrir. Vérifiez-la ou recopiez-la."


def _web_url(raw: str) -> str:
    """The URL a browser's address bar would open for what was pasted (https:// when no scheme)."""
    m = _SCHEME.match(raw)
    if m and m.group(1).lower() in ("http", "https"):
        return raw
    # "ftp://…", "mailto:…", "javascript:…" open something else; "ameli.fr:443/x" is a host and a
    # port, "user:pass@evil.com" a userinfo: those get https:// like any address typed without one
    if m and (m.group(2).startswith(("//", "\\")) or m.group(1).lower() in _OTHER_SCHEMES):
        raise ValidationError("Ce n'est pas une adresse de site web (http ou https).", field="url")
    return "https://" + raw  # "//evil.com" too: extra slashes are skipped for http(s), as in a browser


def _split(text: str) -> tuple[str, str, str, str]:
    """(scheme, userinfo, ASCII host, rest) of what the agent pasted, as a browser parses it."""
    from ada_url import URL

    raw = text.strip() if isinstance(text, str) else ""
    if not raw:
        raise ValidationError("Collez une adresse de site ou un nom de domaine.", field="url")
    if any(ch.isspace() for ch in raw) or len(raw) > 2000:
        raise ValidationError("Adresse invalide : elle ne doit pas contenir d'espace.", field="url")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in raw):  # lone surrogates cannot even be encoded
        raise ValidationError(INVALID, field="url")
    try:
        url = URL(_web_url(raw))
    except ValueError:
        raise ValidationError(INVALID, field="url") from None
    scheme = url.protocol.rstrip(":")
    if scheme not in ("http", "https"):  # cannot happen after _web_url; kept as the guard it is
        raise ValidationError("Ce n'est pas une adresse de site web (http ou https).", field="url")
    host = url.hostname
    if host.startswith("["):
        host = host[1:-1]  # IPv6: refused below as an IP address
    host = host.rstrip(".")
    if not host:
        raise ValidationError("Adresse invalide : nom de domaine manquant.", field="url")
    userinfo = url.username + (":" + url.password if url.password else "")
    if userinfo:
        from urllib.parse import unquote

        userinfo = unquote(userinfo)  # the name as it reads: "ameli%2Efr" is still "ameli.fr"
    return scheme, userinfo, host, url.pathname + url.search


def _to_ascii(host: str) -> str:
    """Refuse hosts that are not plain DNS names (the parser already applied IDNA/UTS-46), and
    "xn--" labels that are not the exact encoding of a non-ASCII name (browsers refuse those)."""
    labels = host.split(".")
    if not all(_LABEL.match(x) and (not x.startswith("xn--") or _punycode_round_trips(x)) for x in labels):
        raise ValidationError("Adresse invalide : vérifiez le nom de domaine (lettres, chiffres, tirets et points).",
                              field="url")
    return host


def _punycode_round_trips(label: str) -> bool:
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
        plain = all(ch == "-" or unicodedata.category(ch)[0] in "LMN" for ch in decoded)
        return plain and not decoded.isascii() and "xn--" + decoded.encode("punycode").decode() == label
    except Exception:  # the codec raises several types; any of them means "not punycode"
        return False


def check(text: str, procedure_code: str | None = None, entries: tuple[SiteEntry, ...] | None = None) -> Verdict:
    """Say whether `text` (URL or domain) is an official site. Raises ValidationError(field="url")."""
    entries = entries or sites()
    scheme, userinfo, host, rest = _split(text)
    try:
        ipaddress.ip_address(host)
        return Verdict(text, host, host, False, None, None,
                       ("C'est une adresse IP : un site officiel a un nom de domaine.",),
                       _suggest(None, rest, procedure_code, entries))
    except ValueError:
        pass
    ascii_host = _to_ascii(host)
    display = _to_unicode(ascii_host)
    for entry in sorted(entries, key=lambda e: -len(e.domain)):  # most specific entry first
        # The generic gouv.fr rule never vouches for an internationalised name: an IDN under
        # gouv.fr that looks like a listed site is more likely a trick than a State service.
        if _host_within(ascii_host, entry.domain) and (entry.rule == "domaine" or display.isascii()):
            reasons = []
            if entry.rule == "suffixe":
                reasons.append("Adresse en .gouv.fr : c'est un site de l'État, même s'il n'est pas dans la liste.")
            if userinfo:
                reasons.append("Attention : l'adresse contient un « @ » ; seule la partie après « @ » compte.")
            if scheme == "http":
                reasons.append("Utilisez l'adresse en https:// (connexion chiffrée).")
            return Verdict(text, ascii_host, display, True, entry, None, tuple(reasons), ())
    target, reasons = _lookalike(ascii_host, display, userinfo, entries, rest)
    return Verdict(text, ascii_host, display, False, None, target, tuple(reasons),
                   _suggest(target, ascii_host + " " + rest, procedure_code, entries))


def _lookalike(host: str, display: str, userinfo: str, entries, rest: str = "") -> tuple[SiteEntry | None, list[str]]:
    """The official site this host imitates, if any, and why it looks like it."""
    named = [e for e in entries if e.rule == "domaine"]
    if userinfo:
        for e in named:
            if e.domain in userinfo.lower() or skeleton(e.domain) in skeleton(userinfo):
                return e, [f"Piège : « {e.domain} » est placé avant un « @ » ; le site réellement ouvert est {display}."]
    if "@" in rest:  # "https://evil.com\@ameli.fr": the browser reads "\" as "/", so ameli.fr is only a path
        after = rest.rpartition("@")[2].lower()
        for e in named:
            if _host_within(after.split("/")[0].rstrip("."), e.domain):
                return e, [f"Piège : « {e.domain} » est placé après un « \\ » ou un « / » ; le navigateur ouvre "
                           f"en réalité {display}."]
    bare = host[4:] if host.startswith("www.") else host
    unicode_trick = display != host or not display.isascii()
    look = skeleton(display)
    look_bare = look[4:] if look.startswith("www.") else look
    for e in named:
        if _host_within(look, skeleton(e.domain)):
            why = ("caractères d'un autre alphabet ou accentués (encodage « xn-- »)" if unicode_trick
                   else "lettres ou chiffres qui se ressemblent")
            return e, [f"Imitation de {e.domain} : {why}."]
    for h in dict.fromkeys((host, look)):  # the raw host, then how it reads (0→o, rn→m…)
        bare_h = h[4:] if h.startswith("www.") else h
        for e in named:
            if f".{e.domain}." in f".{h}.":
                return e, [f"Piège : « {e.domain} » est au début de l'adresse, mais le site réel est {_registrable(host)}."]
        dotted = h.replace("-", ".").replace("_", ".")
        for e in named:
            if dotted != h and _host_within(dotted, e.domain):
                return e, [f"Imitation de {e.domain} : un tiret remplace un point."]
        core = bare_h.replace("-", ".").rsplit(".", 1)[0]
        for e in named:
            e_core = e.domain.replace("-", ".").rsplit(".", 1)[0]
            if core == e_core or core.endswith("." + e_core):
                return e, [f"Imitation de {e.domain} : même nom, autre extension ({_registrable(host)})."]
    for e in named:
        limit = 1 if len(e.domain) < 12 else 2
        if len(e.domain) >= 7 and min(_distance(bare, e.domain), _distance(look_bare, e.domain)) <= limit:
            return e, [f"Imitation probable de {e.domain} : une ou deux lettres diffèrent."]
    tokens = re.split(r"[.\-_]+", bare)
    for e in named:
        name = re.split(r"[.\-]+", e.domain.split(".")[0])
        n = len(name)
        if any(tokens[i:i + n] == name for i in range(len(tokens) - n + 1)) and "".join(name) not in ("www",):
            return e, [f"Cette adresse reprend le nom « {e.domain.split('.')[0]} » sans être le site officiel."]
    return None, []


def _registrable(host: str) -> str:
    # Good enough for messages: the last two labels (three under a few two-level suffixes).
    labels = host.split(".")
    n = 3 if len(labels) >= 3 and ".".join(labels[-2:]) in ("co.uk", "com.fr", "asso.fr", "gouv.fr") else 2
    return ".".join(labels[-n:])


def _suggest(target: SiteEntry | None, text: str, procedure_code: str | None, entries) -> tuple[SiteEntry, ...]:
    """Official sites doing the same démarche: the imitated one, the démarche's partner, topic words."""
    out: list[SiteEntry] = []
    if target is not None:
        out.append(target)
    if procedure_code:
        from app.models.catalogue import catalogue

        proc = catalogue().procedures.get(procedure_code)
        if proc:
            out += [e for e in entries if e.partner == proc.partner and e.rule == "domaine"][:1]
    words = f" {_words(text)} "
    for e in entries:
        if any(f" {t} " in words for t in e.topics):
            out.append(e)
    if not out:
        out += [e for e in entries if e.domain == "service-public.fr"]
    unique: dict[str, SiteEntry] = {}
    for e in out:
        unique.setdefault(e.domain, e)
    return tuple(unique.values())[:3]


def is_official_link(url: str) -> bool:
    """True for an https:// link on an official domain, without userinfo (validates catalogue links)."""
    if not isinstance(url, str) or not url.startswith("https://"):
        return False
    try:
        scheme, userinfo, _host, _rest = _split(url)
        return scheme == "https" and not userinfo and check(url).official
    except ValidationError:
        return False


def suggestion_line(entry: SiteEntry) -> str:
    phone = f" — {format_phone(entry.phone)}" if entry.phone else ""
    return f"{entry.label} : {entry.url or entry.domain}{phone}"


def format_phone(phone: str | None) -> str:
    """« 3230 » → « 32 30 », « 0809401401 » → « 08 09 40 14 01 » (pairs, as printed in France)."""
    if not phone:
        return ""
    digits = phone.replace(" ", "")
    if not digits.isdigit():
        return phone
    return " ".join(digits[i:i + 2] for i in range(0, len(digits), 2))

"""`guichet sync --export DIR`: the snapshots as files for a manual upload to the national tool.

Two files per (structure, month), written atomically:
- `….json`: the snapshot's canonical JSON, byte for byte what the hash covers, so
  `sha256(file) == hash` (anyone can check it);
- `….csv` (`;`, UTF-8) for people and spreadsheets: one `# key;value` line per field the hash
  covers besides the cube (schema, structure, month, both totals, every satisfaction count, closing
  flag and reason code), the hash, the device and the export time, then the cube rows. `read_csv`
  rebuilds the snapshot from it, and the hash again matches.
Nothing is confirmed by a file: exported months stay pending (the journal says « exporté »).
"""

from __future__ import annotations

import csv
import hashlib
from datetime import datetime, timezone
from pathlib import Path

from app.core.cells import cell_text, restore
from app.sync.snapshot import canonical_json
from app.sync.transport import ACCEPTED, EXPORTED, Answer

COLUMNS = ["structure", "device", "month", "partner", "response_type", "canal", "bus_stop", "count"]
_META = ("# sha256", "# device", "# exported_at")


def _flatten(prefix: str, tree: dict) -> list[tuple[str, object]]:
    out = []
    for key in sorted(tree):
        value = tree[key]
        out += _flatten(f"{prefix}.{key}", value) if isinstance(value, dict) else [(f"{prefix}.{key}", value)]
    return out


def _header(snap: dict) -> list[tuple[str, object]]:
    lines = [("schema", snap["schema"]), ("structure", snap["structure"]), ("month", snap["month"])]
    lines += _flatten("totals", snap["totals"])
    lines += _flatten("satisfaction", snap["satisfaction"]) if "satisfaction" in snap else []
    if snap.get("closed"):
        lines.append(("closed", "true"))
    if "correction_reason" in snap:
        lines.append(("correction_reason", snap["correction_reason"]))
    return lines


class FileExportTransport:
    """Writes each snapshot as JSON + CSV for a manual upload; nothing is confirmed."""

    name = "fichier"
    server_date = None

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def path_for(self, envelope: dict) -> Path:
        snap = envelope["snapshot"]
        return self.folder / f"guichet-{snap['structure']}-{snap['month']}-{envelope['device'][:8]}.csv"

    def send(self, envelope: dict) -> Answer:
        snap, device = envelope["snapshot"], envelope["device"]
        target = self.path_for(envelope)
        _write(target.with_suffix(".json"), lambda handle: handle.write(canonical_json(snap)), binary=True)

        def csv_body(handle):
            # Every string is a national code (app/sync/codes.py), so no cell should start a formula;
            # each still goes through the one spreadsheet rule (app/core/cells.py), like every export.
            writer = csv.writer(handle, delimiter=";", lineterminator="\n")

            def write(row):
                writer.writerow([cell_text(v) for v in row])

            for key, value in _header(snap):
                write([f"# {key}", value])
            write(["# sha256", envelope["hash"]])
            write(["# device", device])
            write(["# exported_at", datetime.now(timezone.utc).isoformat(timespec="seconds")])
            write(COLUMNS)
            write([snap["structure"], device, snap["month"], "*", "*", "*", "*", snap["totals"]["accompaniments"]])
            for row in snap["cube"]:
                write([snap["structure"], device, snap["month"], row["partner"], row["response_type"],
                       row["canal"], row["bus_stop"], row["count"]])

        _write(target, csv_body)
        return Answer(EXPORTED, None, str(target))

    def enrol(self, matricule: str, device: str, machine: str, takeover: bool = False) -> Answer:
        return Answer(ACCEPTED, None, "Export : aucun service à interroger.", data=None)

    def fetch(self, matricule: str, device: str, month: str) -> dict | None:
        return None

    def health(self) -> bool:
        return True

    def close(self) -> None:
        pass


def _write(target: Path, fill, binary: bool = False) -> None:
    tmp = target.with_name(target.name + ".tmp")
    with (tmp.open("wb") if binary else tmp.open("w", newline="", encoding="utf-8")) as handle:
        fill(handle)
    tmp.replace(target)  # atomic: a half-written file is never left under the final name


def read_csv(path: Path) -> tuple[str, dict]:
    """(hash written in the file, snapshot rebuilt from its lines): sha256 of the canonical JSON of
    the latter equals the former when the file is whole."""
    snap: dict = {"cube": []}
    digest = ""
    with Path(path).open(newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter=";"):
            row = [restore(cell) for cell in row]  # the inverse of cell_text: the exact text again
            if row and row[0].startswith("# "):
                if row[0] == "# sha256":
                    digest = row[1]
                elif row[0] not in _META:
                    *parents, leaf = row[0][2:].split(".")
                    node = snap
                    for part in parents:
                        node = node.setdefault(part, {})
                    counted = row[0].startswith(("# totals.", "# satisfaction."))
                    node[leaf] = True if row[0] == "# closed" else int(row[1]) if counted else row[1]
            elif row and row != COLUMNS and row[3] != "*":
                snap["cube"].append({"partner": row[3], "response_type": row[4], "canal": row[5],
                                     "bus_stop": row[6], "count": int(row[7])})
    return digest, snap


def verify(path: Path) -> bool:
    """The CSV and its JSON twin both match the hash they carry."""
    digest, snap = read_csv(path)
    twin = Path(path).with_suffix(".json").read_bytes()
    return hashlib.sha256(canonical_json(snap)).hexdigest() == digest == hashlib.sha256(twin).hexdigest()

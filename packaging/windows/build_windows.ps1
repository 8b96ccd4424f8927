# Build the Windows bundle and its installer (run from the repository root in PowerShell).
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build_windows.ps1
# Needs: Python 3.11+ (x64), Inno Setup 6 (iscc.exe on PATH or in its default folder).
$ErrorActionPreference = "Stop"
if (-not (Test-Path .venv)) { py -3.11 -m venv .venv }
.\.venv\Scripts\python -m pip install --quiet -e . "pyinstaller>=6.10"
.\.venv\Scripts\python -m PyInstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller packaging\guichet.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
$version = .\.venv\Scripts\python -c "import importlib.metadata as m; print(m.version('guichet'))"
# Smoke test: the bundle builds a demo store offscreen, paints its window and exits 0.
$env:QT_QPA_PLATFORM = "offscreen"; $env:GUICHET_EXIT_AFTER_PAINT = "1"; $env:GUICHET_AGENT = "camille"
$tmp = Join-Path $env:TEMP ("guichet-smoke-" + [guid]::NewGuid())
$env:GUICHET_CONFIG_DIR = $tmp; $env:GUICHET_LOG_DIR = $tmp
$p = Start-Process dist\guichet\guichet-console.exe -ArgumentList "--db","$tmp\demo.db","demo" -Wait -PassThru -NoNewWindow
if ($p.ExitCode -ne 0) { throw "smoke test failed ($($p.ExitCode)), see $tmp" }
Remove-Item Env:QT_QPA_PLATFORM, Env:GUICHET_EXIT_AFTER_PAINT, Env:GUICHET_AGENT, Env:GUICHET_CONFIG_DIR, Env:GUICHET_LOG_DIR
$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
& $iscc "/DAppVersion=$version" packaging\windows\guichet.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Write-Host "Installer: dist\installer\Guichet-$version-setup.exe"

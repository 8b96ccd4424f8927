; Inno Setup 6 script: per-machine installer of the Guichet one-folder bundle.
; Build the bundle first (packaging\windows\build_windows.ps1 does both), then:
;   iscc /DAppVersion=0.1.0 packaging\windows\guichet.iss
; Output: dist\installer\Guichet-<version>-setup.exe
; Silent install for IT (GPO, SCCM, Intune):  Guichet-0.1.0-setup.exe /VERYSILENT /NORESTART /ALLUSERS

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "Guichet"
#define BundleDir "..\..\dist\guichet"

[Setup]
; A fixed AppId keeps upgrades in place: never change it.
AppId={{6E0D6F2B-3C7A-4C55-9A7E-0F1B8E2A9D41}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Équipe Guichet
AppComments=Suivi des accompagnements France services
VersionInfoVersion={#AppVersion}
; Per-machine: Program Files, shortcuts for all users, needs an administrator.
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
SetupIconFile=..\..\resources\icons\guichet.ico
UninstallDisplayIcon={app}\guichet.exe
UninstallDisplayName={#AppName} {#AppVersion}
OutputDir=..\..\dist\installer
OutputBaseFilename=Guichet-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Close a running Guichet before replacing its files.
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "fr"; MessagesFile: "compiler:Languages\French.isl"
Name: "en"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
; The whole bundle; old files of a previous version are removed first (see [InstallDelete]).
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\guichet.exe"; WorkingDir: "{app}"; Comment: "Suivi des accompagnements France services"
Name: "{group}\{#AppName} (démonstration)"; Filename: "{app}\guichet.exe"; Parameters: "demo"; WorkingDir: "{app}"; Comment: "Découvrir Guichet sur des données fictives"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{commondesktop}\{#AppName}"; Filename: "{app}\guichet.exe"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\guichet.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent unchecked

; Agents' data live in each user's %LOCALAPPDATA%\Guichet and are never removed by the
; uninstaller: personal data are erased through the application (retention), not by IT tools.

; Inno Setup 6 script for the Windows installer: an example, NOT built or tested here (this
; project is built and checked on Linux only). On Windows, in a venv with requirements.lock and
; requirements-build.lock installed (pip install --no-deps -r ...), build the bundle
;   .venv\Scripts\pyinstaller --noconfirm build.spec        (-> dist\latent-explorer\)
; run
;   iscc /DAppVersion=0.1.0 packaging\windows\latent-explorer.iss
; -> dist\latent-explorer-0.1.0-setup.exe. Caches and settings go to the user's AppData, so the
; install folder under Program Files stays read-only.
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{EDF568A3-691F-4BCE-AE38-596E4D53A87D}
AppName=Latent Explorer
AppVersion={#AppVersion}
DefaultDirName={autopf}\Latent Explorer
DefaultGroupName=Latent Explorer
OutputDir=..\..\dist
OutputBaseFilename=latent-explorer-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\latent-explorer.ico
UninstallDisplayIcon={app}\latent-explorer-gui.exe
Compression=lzma2
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog

[Tasks]
Name: desktopicon; Description: "Create a desktop shortcut"; Flags: unchecked

[Files]
Source: "..\..\dist\latent-explorer\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{group}\Latent Explorer"; Filename: "{app}\latent-explorer-gui.exe"
Name: "{autodesktop}\Latent Explorer"; Filename: "{app}\latent-explorer-gui.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\latent-explorer-gui.exe"; Description: "Start Latent Explorer"; Flags: nowait postinstall skipifsilent

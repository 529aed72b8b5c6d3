; check_ephemeral installer (NSIS 3). Built by `make windows-installer`:
;   makensis -NOCD -DVERSION=x.y.z -DEXE=check_ephemeral/check_ephemeral.exe -DOUTFILE=... nsis/check_ephemeral.nsi
; Installs into Program Files, registers an Add/Remove Programs entry, drops a README and an
; NSClient++ snippet next to the exe. Options: /S (silent), /D=DIR (folder), /ADDTOPATH (append
; the folder to the system PATH; skipped with a message when PATH is too long to edit safely).
; The uninstaller (also /S) removes exactly what was added.

!ifndef VERSION
  !error "pass -DVERSION=x.y.z (from lib/eph.h)"
!endif
!ifndef EXE
  !define EXE "check_ephemeral/check_ephemeral.exe"
!endif
!ifndef OUTFILE
  !define OUTFILE "build/win/check_ephemeral-${VERSION}-setup.exe"
!endif

; The 32-bit stub does nothing under 64-bit-only wine and still exits 0 (docs/platform-notes.md §5).
Target amd64-unicode
Unicode true

!include LogicLib.nsh
!include FileFunc.nsh
!include StrFunc.nsh
!include WinMessages.nsh
${StrStr}
${UnStrStr}
${UnStrRep}

!define NAME "check_ephemeral"
!define ARP "Software\Microsoft\Windows\CurrentVersion\Uninstall\${NAME}"
!define ENVKEY "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"

Name "${NAME} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${NAME}"
RequestExecutionLevel admin
ShowInstDetails show
ShowUninstDetails show
SetCompressor /SOLID lzma

Page directory
Page instfiles
UninstPage uninstConfirm
UninstPage instfiles

Var AddToPath

Function .onInit
  SetRegView 64
  StrCpy $AddToPath 0
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/ADDTOPATH" $R1
  ${IfNot} ${Errors}
    StrCpy $AddToPath 1
  ${EndIf}
FunctionEnd

Function un.onInit
  SetRegView 64
FunctionEnd

; Appends $INSTDIR to the machine PATH unless it is there already. NSIS strings hold at most
; NSIS_MAX_STRLEN (1024 in Debian's build) characters: a longer PATH reads as an error, and
; writing back a cut copy would destroy it, so such a PATH is left alone.
Function AddToPath
  ClearErrors
  ReadRegStr $0 HKLM "${ENVKEY}" "Path"
  ${If} ${Errors}
    DetailPrint "PATH not changed: it is missing or longer than ${NSIS_MAX_STRLEN} characters"
    Return
  ${EndIf}
  ${StrStr} $1 ";$0;" ";$INSTDIR;"
  ${If} $1 != ""
    DetailPrint "PATH already contains $INSTDIR"
    Return
  ${EndIf}
  StrLen $1 "$0;$INSTDIR"
  ${If} $1 >= ${NSIS_MAX_STRLEN}
    DetailPrint "PATH not changed: it would exceed ${NSIS_MAX_STRLEN} characters"
    Return
  ${EndIf}
  ${If} $0 == ""
    StrCpy $0 "$INSTDIR"
  ${Else}
    StrCpy $2 $0 1 -1
    ${If} $2 == ";"
      StrCpy $0 "$0$INSTDIR"
    ${Else}
      StrCpy $0 "$0;$INSTDIR"
    ${EndIf}
  ${EndIf}
  WriteRegExpandStr HKLM "${ENVKEY}" "Path" "$0"
  WriteRegDWORD HKLM "${ARP}" "AddedToPath" 1
  SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=3000
  DetailPrint "Added $INSTDIR to PATH"
FunctionEnd

Function un.RemoveFromPath
  ClearErrors
  ReadRegStr $0 HKLM "${ENVKEY}" "Path"
  ${If} ${Errors}
    DetailPrint "PATH not changed: it is missing or longer than ${NSIS_MAX_STRLEN} characters; remove $INSTDIR by hand"
    Return
  ${EndIf}
  ${UnStrStr} $1 ";$0;" ";$INSTDIR;"
  ${If} $1 == ""
    Return
  ${EndIf}
  ${UnStrRep} $1 ";$0;" ";$INSTDIR;" ";"
  ; Drop the ';' added around it for the search.
  StrCpy $1 $1 "" 1
  StrCpy $1 $1 -1
  WriteRegExpandStr HKLM "${ENVKEY}" "Path" "$1"
  SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=3000
  DetailPrint "Removed $INSTDIR from PATH"
FunctionEnd

Section "check_ephemeral"
  SetOutPath "$INSTDIR"
  File "/oname=check_ephemeral.exe" "${EXE}"
  File "/oname=README.txt" "nsis/README.txt"

  ; The NSClient++ snippet names the folder actually chosen; from "; Query" on it is
  ; contrib/nsclient/check_ephemeral.ini with that folder (tests/suite_win_nsis.sh compares).
  FileOpen $0 "$INSTDIR\nsclient-check_ephemeral.ini" w
  FileWrite $0 "; check_ephemeral for NSClient++ 0.5: merge into nsclient.ini, restart the service.$\r$\n"
  FileWrite $0 "; Query from Nagios/Icinga: check_nrpe -H HOST -c check_ephemeral$\r$\n"
  FileWrite $0 "; check_nrpe talks to NSClient++'s NRPE server: NRPEServer must be enabled (below), and the$\r$\n"
  FileWrite $0 "; monitoring server's address must be in $\"allowed hosts$\" under [/settings/default], e.g.$\r$\n"
  FileWrite $0 "; allowed hosts = 127.0.0.1,192.0.2.10$\r$\n"
  FileWrite $0 "; A check_nrpe that connects without certificates (legacy anonymous-DH SSL) also needs$\r$\n"
  FileWrite $0 "; insecure = true under [/settings/NRPE/server].$\r$\n"
  FileWrite $0 "[/modules]$\r$\n"
  FileWrite $0 "CheckExternalScripts = enabled$\r$\n"
  FileWrite $0 "NRPEServer = enabled$\r$\n$\r$\n"
  FileWrite $0 "[/settings/external scripts/scripts]$\r$\n"
  FileWrite $0 "check_ephemeral = $\"$INSTDIR\check_ephemeral.exe$\" -p all -w 80 -c 90$\r$\n"
  FileWrite $0 "check_ephemeral_dest = $\"$INSTDIR\check_ephemeral.exe$\" --metric dest -w 50 -c 75$\r$\n"
  FileClose $0

  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "${ARP}" "DisplayName" "${NAME} ${VERSION}"
  WriteRegStr HKLM "${ARP}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${ARP}" "Publisher" "check_ephemeral project"
  WriteRegStr HKLM "${ARP}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${ARP}" "UninstallString" "$\"$INSTDIR\uninstall.exe$\""
  WriteRegStr HKLM "${ARP}" "QuietUninstallString" "$\"$INSTDIR\uninstall.exe$\" /S"
  WriteRegDWORD HKLM "${ARP}" "NoModify" 1
  WriteRegDWORD HKLM "${ARP}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKLM "${ARP}" "EstimatedSize" $0

  ${If} $AddToPath == 1
    Call AddToPath
  ${EndIf}
SectionEnd

Section "Uninstall"
  ReadRegDWORD $0 HKLM "${ARP}" "AddedToPath"
  ${If} $0 == 1
    Call un.RemoveFromPath
  ${EndIf}
  Delete "$INSTDIR\check_ephemeral.exe"
  Delete "$INSTDIR\README.txt"
  Delete "$INSTDIR\nsclient-check_ephemeral.ini"
  Delete "$INSTDIR\uninstall.exe"
  ; Not /r: files the user put there stay, and so does the folder then.
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${ARP}"
SectionEnd

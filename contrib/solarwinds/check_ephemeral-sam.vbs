' check_ephemeral for the SolarWinds SAM Windows Script Monitor (Script Engine: vbscript).
' The script runs where SAM runs it: on the node only when the node is polled by the
' SolarWinds agent; without the agent it runs on the Orion (polling) server and reports that
' server's ports. Use the PowerShell monitor with Execution Mode Remote Host otherwise.
' The plugin exits 0 whenever it measured (set thresholds on the statistics in SAM), and 4
' (Unknown) with one Statistic.state: 3 and the reason when it could not.
Option Explicit
Dim exe, sh, fso, ex, out
exe = "C:\Program Files\check_ephemeral\check_ephemeral.exe"

Set sh = CreateObject("WScript.Shell")
Set fso = CreateObject("Scripting.FileSystemObject")
If Not fso.FileExists(exe) Then
	WScript.Echo "Statistic.state: 3"
	WScript.Echo "Message.state: UNKNOWN - " & exe & " is not installed on " & sh.ExpandEnvironmentStrings("%COMPUTERNAME%")
	WScript.Quit 4
End If
Set ex = sh.Exec("""" & exe & """ -o solarwinds -p all")
' Read to the end first (a full pipe would stop the plugin), then wait until it has exited:
' ExitCode is 0 while it still runs.
out = ex.StdOut.ReadAll()
Do While ex.Status = 0
	WScript.Sleep 50
Loop
WScript.StdOut.Write out
WScript.Quit ex.ExitCode

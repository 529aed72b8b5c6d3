# check_ephemeral for the SolarWinds SAM Windows PowerShell Monitor.
# Execution Mode: Remote Host (SAM runs the script on the node through WinRM, port 5985), or a
# node polled by the SolarWinds agent. With Local Host the script runs on the Orion (polling)
# server and reports that server's ports, not the node's.
# The plugin exits 0 whenever it measured (set thresholds on the statistics in SAM), and 4
# (Unknown) with one Statistic.state: 3 and the reason when it could not.
$exe = 'C:\Program Files\check_ephemeral\check_ephemeral.exe'

if (-not (Test-Path -LiteralPath $exe)) {
	Write-Host 'Statistic.state: 3'
	Write-Host "Message.state: UNKNOWN - $exe is not installed on $env:COMPUTERNAME"
	exit 4
}
# SAM reads what the script writes to the host; $LASTEXITCODE is the plugin's exit code.
& $exe -o solarwinds -p all | ForEach-Object { Write-Host $_ }
exit $LASTEXITCODE

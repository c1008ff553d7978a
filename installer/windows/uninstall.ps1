<#
.SYNOPSIS
  Removes the Cualify Appliance service and program.
.DESCRIPTION
  Keeps the data (store, secret key, logs), the backups and the settings in ProgramData, so a later
  install picks up where this one stopped, unless -Purge is given. Run in an elevated PowerShell.
#>
#Requires -RunAsAdministrator
[CmdletBinding()]
param(
    [string] $InstallDir = (Join-Path $env:ProgramFiles 'Cualify Appliance'),
    [string] $StateDir = (Join-Path $env:ProgramData 'Cualify Appliance'),
    [string] $ServiceName = 'cualify-appliance',
    [switch] $Purge
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function Say([string] $message) { Write-Host "==> $message" }

$service = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if ($service) {
    if ($service.Status -ne 'Stopped') {
        Stop-Service -Name $ServiceName -Force
        $service.WaitForStatus('Stopped', [TimeSpan]::FromSeconds(60))
    }
    # Remove-Service exists only from PowerShell 6; sc.exe works in Windows PowerShell 5.1 too.
    & sc.exe delete $ServiceName | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "sc.exe delete failed ($LASTEXITCODE)" }
    Say "Stopped and removed the $ServiceName service"
} else {
    Say "No $ServiceName service registered"
}

foreach ($dir in @($InstallDir, "$InstallDir.new", "$InstallDir.old")) {
    if (Test-Path $dir) { Remove-Item $dir -Recurse -Force }
}
Say "Removed the program $InstallDir"

if ($Purge) {
    if (Test-Path $StateDir) { Remove-Item $StateDir -Recurse -Force }
    Say "Purged $StateDir (data, secret key, logs, backups, settings)"
} else {
    Say "Kept $StateDir (data, secret key, logs, backups, settings). To delete it too: .\uninstall.ps1 -Purge"
}

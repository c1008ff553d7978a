<#
.SYNOPSIS
  Installs or upgrades the Cualify Appliance as a Windows service.
.DESCRIPTION
  Run in an elevated PowerShell (5.1 or 7) from the folder of a win-x64 publish
  (dotnet publish src/Appliance -p:PublishProfile=win-x64), or pass -Source.
  First install: program in Program Files, settings and data in ProgramData (private to the service's
  virtual account, SYSTEM and Administrators), the service registered to start automatically with
  restart-on-failure recovery, and `init`, which prints the first admin key once.
  Upgrade (same command with a newer build): stops the service, replaces the program, applies
  migrations, keeps the data and the settings, starts it again.
.EXAMPLE
  .\install.ps1 -Source C:\builds\cualify-appliance\win-x64
#>
#Requires -RunAsAdministrator
[CmdletBinding()]
param(
    [string] $Source = $PSScriptRoot,
    [string] $InstallDir = (Join-Path $env:ProgramFiles 'Cualify Appliance'),
    [string] $StateDir = (Join-Path $env:ProgramData 'Cualify Appliance'),
    [string] $ServiceName = 'cualify-appliance',
    [switch] $NoStart
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function Say([string] $message) { Write-Host "==> $message" }

$exeName = 'cualify-appliance.exe'
$sourceExe = Join-Path $Source $exeName
if (-not (Test-Path $sourceExe)) {
    $candidate = Join-Path $PSScriptRoot '..\..\artifacts\publish\win-x64'
    if (Test-Path (Join-Path $candidate $exeName)) { $Source = (Resolve-Path $candidate).Path; $sourceExe = Join-Path $Source $exeName }
    else { throw "No $exeName in $Source; publish one (dotnet publish src/Appliance -p:PublishProfile=win-x64) or pass -Source" }
}
if (-not (Test-Path (Join-Path $Source 'config\appsettings.json'))) { throw "$Source\config\appsettings.json is missing: -Source must be a whole publish folder" }

# SIP calls speak playbook texts with espeak-ng; it is not bundled on Windows.
if (-not (Get-Command 'espeak-ng' -ErrorAction SilentlyContinue)) {
    Write-Warning "espeak-ng is not on PATH: SIP calls cannot speak playbook texts until it is installed (the espeak-ng .msi from its GitHub releases) or Speech:EspeakPath names espeak-ng.exe"
}

$dataDir = Join-Path $StateDir 'data'
$backupDir = Join-Path $StateDir 'backups'
$configFile = Join-Path $StateDir 'appsettings.json'
$exe = Join-Path $InstallDir $exeName
# The service runs as its own virtual account, NT SERVICE\<name>: no password, no rights beyond what we grant.
$account = "NT SERVICE\$ServiceName"
$version = & $sourceExe --version
if ($LASTEXITCODE -ne 0) { throw "$sourceExe does not run on this machine" }

$existing = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if ($existing) { Say "Upgrading the $ServiceName service to $version" } else { Say "Installing Cualify Appliance $version" }

# 1. Stop a running service before its program is replaced.
if ($existing -and $existing.Status -ne 'Stopped') {
    Say 'Stopping the service for the upgrade'
    Stop-Service -Name $ServiceName -Force
    $existing.WaitForStatus('Stopped', [TimeSpan]::FromSeconds(60))
}

# 2. The program: copied beside the old one, then swapped in. Program Files is writable by administrators only.
$staging = "$InstallDir.new"
if (Test-Path $staging) { Remove-Item $staging -Recurse -Force }
New-Item -ItemType Directory -Path $staging -Force | Out-Null
Copy-Item -Path (Join-Path $Source '*') -Destination $staging -Recurse -Force
Get-ChildItem $staging -Filter *.pdb -Recurse | Remove-Item -Force
if (Test-Path $InstallDir) {
    $old = "$InstallDir.old"
    if (Test-Path $old) { Remove-Item $old -Recurse -Force }
    Rename-Item -Path $InstallDir -NewName (Split-Path $old -Leaf)
    Rename-Item -Path $staging -NewName (Split-Path $InstallDir -Leaf)
    Remove-Item $old -Recurse -Force
} else {
    Rename-Item -Path $staging -NewName (Split-Path $InstallDir -Leaf)
}
Say "Program installed in $InstallDir"

# 3. ProgramData folders: inheritance off, only SYSTEM, Administrators and the service account.
function Set-PrivateAcl([string] $path, [string] $serviceRights) {
    $acl = New-Object System.Security.AccessControl.DirectorySecurity
    $acl.SetAccessRuleProtection($true, $false)
    $inherit = [System.Security.AccessControl.InheritanceFlags]'ContainerInherit, ObjectInherit'
    $none = [System.Security.AccessControl.PropagationFlags]::None
    foreach ($who in @('NT AUTHORITY\SYSTEM', 'BUILTIN\Administrators')) {
        $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule($who, 'FullControl', $inherit, $none, 'Allow')))
    }
    $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule($account, $serviceRights, $inherit, $none, 'Allow')))
    Set-Acl -Path $path -AclObject $acl
}

# 4. The service (registered before the ACLs, so that its virtual account exists).
$binaryPath = "`"$exe`" run --data-dir `"$dataDir`" --config `"$configFile`""
if (-not $existing) {
    New-Service -Name $ServiceName -BinaryPathName $binaryPath -DisplayName 'Cualify Appliance' `
        -Description 'Outbound voice and email worker serving the Cualify v1 API' -StartupType Automatic | Out-Null
    Say "Registered the $ServiceName service"
} else {
    & sc.exe config $ServiceName binPath= $binaryPath | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "sc.exe config binPath failed ($LASTEXITCODE)" }
}
& sc.exe config $ServiceName obj= $account start= delayed-auto | Out-Null
if ($LASTEXITCODE -ne 0) { throw "sc.exe config obj/start failed ($LASTEXITCODE)" }
# Recovery: restart after 5 s, 30 s, then every 2 minutes; forget failures after a day; also when the
# process exits with an error code (not only on a crash).
& sc.exe failure $ServiceName reset= 86400 actions= restart/5000/restart/30000/restart/120000 | Out-Null
if ($LASTEXITCODE -ne 0) { throw "sc.exe failure failed ($LASTEXITCODE)" }
& sc.exe failureflag $ServiceName 1 | Out-Null
Say 'Service: automatic (delayed) start, restarts on failure'

foreach ($dir in @($StateDir, $dataDir, $backupDir)) { New-Item -ItemType Directory -Path $dir -Force | Out-Null }
Set-PrivateAcl $StateDir 'ReadAndExecute'
Set-PrivateAcl $dataDir 'Modify'
Set-PrivateAcl $backupDir 'Modify'
Say "Data folder $dataDir and backups ${backupDir}: SYSTEM, Administrators and $account only"

# 5. Settings: created once from the template, never overwritten on upgrade.
Copy-Item (Join-Path $PSScriptRoot 'appsettings.json') (Join-Path $StateDir 'appsettings.example.json') -Force
if (Test-Path $configFile) {
    Say "Kept your settings $configFile (the current template is appsettings.example.json beside it)"
} else {
    Copy-Item (Join-Path $PSScriptRoot 'appsettings.json') $configFile
    Say "Created settings $configFile"
}

# 6. The store: init on a fresh data folder (the key is printed once); otherwise migrate it.
if (Test-Path (Join-Path $dataDir 'appliance.db')) {
    Say 'Kept the store; applying migrations'
    & $exe migrate --data-dir $dataDir --config $configFile
    if ($LASTEXITCODE -ne 0) { throw "migrate failed ($LASTEXITCODE)" }
} else {
    $key = & $exe init --data-dir $dataDir --config $configFile 2>$null
    if ($LASTEXITCODE -ne 0) { throw "init failed ($LASTEXITCODE)" }
    Write-Host ''
    Write-Host '=================== FIRST ADMIN KEY - shown only this once ==================='
    Write-Host $key
    Write-Host '  Store it in your password manager now. Org ''default'' uses it for the API.'
    Write-Host '=============================================================================='
    Write-Host ''
}
# Files made by init/migrate (run as this administrator) inherit the folder's ACL, so the service can write them.

# 7. Start.
if ($NoStart) {
    Say 'Not started (-NoStart): Start-Service cualify-appliance'
} else {
    Start-Service -Name $ServiceName
    Say "Service started; logs in $dataDir\logs. Check it: & '$exe' doctor --data-dir '$dataDir' --config '$configFile'"
}

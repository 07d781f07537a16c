# Get-Service, Start-Service, Stop-Service, Restart-Service over services/*.json, with the
# behaviour and texts of the Windows PowerShell 5.1 cmdlets (Microsoft Learn,
# microsoft.powershell.management/start-service etc.; the texts are those of
# Microsoft.PowerShell.Commands.ServiceBaseCommand): a start waits, warning every 2 s
# "Waiting for service '<display> (<name>)' to start...". A start takes startDelayMs (status
# StartPending meanwhile); then the service runs, or stops with lastError set (failStart, a BC
# instance's checks, a generic service's certificate: WinSimCore.ps1, Get-WinSimStartFailure).
# A BC instance fails as a .NET service whose OnStart throws: "Service '<display> (<name>)'
# cannot be started due to the following error: Cannot start service <name> on computer '.'."
# (CouldNotStartService); any other service as one that stops while StartPending: "Failed to
# start service '<display> (<name>)'." (StartServiceFailed), noticed at the cmdlet's 2 s
# WaitForStatus cadence (PowerShell's ServiceBaseCommand.DoWaitForStatus).

function New-WinSimServiceObject([hashtable] $Record) {
  $o = [pscustomobject]@{
    Name = $Record.name
    ServiceName = $Record.name
    DisplayName = $Record.displayName
    Status = [ServiceProcess.ServiceControllerStatus]$Record.status
    StartType = [ServiceProcess.ServiceStartMode]$Record.startType
    CanStop = ($Record.status -eq 'Running')
    ServiceType = 'Win32OwnProcess'
    MachineName = '.'
    DependentServices = @()
    ServicesDependedOn = @()
  }
  # The type name (not PSTypeName, which would try to convert) picks ServiceController's format.
  $o.PSObject.TypeNames.Insert(0, 'System.ServiceProcess.ServiceController')
  # ServiceController.Refresh() and WaitForStatus(status[, timeout]) as scripts call them.
  $o | Add-Member -MemberType ScriptMethod -Name Refresh -Value {
    $r = Get-WinSimServiceRecord $this.Name
    if ($r) { $this.Status = [ServiceProcess.ServiceControllerStatus]$r.status; $this.CanStop = ($r.status -eq 'Running') }
  }
  $o | Add-Member -MemberType ScriptMethod -Name WaitForStatus -Value {
    param($Status, $Timeout)
    $limit = if ($null -ne $Timeout) { [TimeSpan]$Timeout } else { [TimeSpan]::FromMinutes(10) }
    $deadline = [DateTime]::UtcNow + $limit
    while ($true) {
      $this.Refresh()
      if ($this.Status -eq [ServiceProcess.ServiceControllerStatus]$Status) { return }
      if ([DateTime]::UtcNow -ge $deadline) { throw [ServiceProcess.TimeoutException]::new('Time out has expired and the operation has not been completed.') }
      Start-Sleep -Milliseconds 250
    }
  }
  return $o
}

function Get-WinSimServiceNotFound([string] $Name, [string] $CommandName) {
  $msg = "Cannot find any service with service name '$Name'."
  return New-WinSimError $msg "NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.$CommandName" ObjectNotFound $Name
}

# The records a -Name/-DisplayName/-InputObject selection names; unknown literal names are errors.
function Select-WinSimServices($Bound, [string] $CommandName, $Cmdlet) {
  $all = @(Get-WinSimServiceRecords)
  if ($Bound.ContainsKey('InputObject')) {
    # A string given positionally binds here (the real parameter is typed ServiceController[]
    # and would not take it, so the name goes to -Name): treat it as the name.
    return @(foreach ($o in @($Bound['InputObject'])) {
        $n = if ($o -is [string]) { $o } else { [string]$o.Name }
        $r = Get-WinSimServiceRecord $n
        if ($r) { $r } else { $Cmdlet.WriteError((Get-WinSimServiceNotFound $n $CommandName)) }
      })
  }
  if ($Bound.ContainsKey('DisplayName')) {
    return @(foreach ($n in @($Bound['DisplayName'])) {
        $hit = @($all | Where-Object { $_.displayName -like $n })
        if ($hit.Count -eq 0 -and -not [Management.Automation.WildcardPattern]::ContainsWildcardCharacters($n)) {
          $msg = "Cannot find any service with display name '$n'."
          $Cmdlet.WriteError((New-WinSimError $msg "NoServiceFoundForGivenDisplayName,Microsoft.PowerShell.Commands.$CommandName" ObjectNotFound $n))
        }
        $hit
      })
  }
  if (-not $Bound.ContainsKey('Name')) { return $all }
  return @(foreach ($n in @($Bound['Name'])) {
      $hit = @($all | Where-Object { $_.name -like $n })
      if ($hit.Count -eq 0 -and -not [Management.Automation.WildcardPattern]::ContainsWildcardCharacters($n)) {
        $Cmdlet.WriteError((Get-WinSimServiceNotFound $n $CommandName))
      }
      $hit
    })
}

function Get-Service {
  [CmdletBinding(DefaultParameterSetName = 'Default')]
  param(
    [Parameter(ParameterSetName = 'Default', Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
    [Alias('ServiceName')] [string[]] $Name,
    [Parameter(ParameterSetName = 'DisplayName', Mandatory = $true)] [string[]] $DisplayName,
    [Parameter(ParameterSetName = 'InputObject', ValueFromPipeline = $true)] [object[]] $InputObject,
    [Alias('Cn')] [string[]] $ComputerName,
    [string[]] $Include, [string[]] $Exclude, [switch] $DependentServices, [Alias('SDO', 'ServicesDependedOn')] [switch] $RequiredServices
  )
  process {
    foreach ($r in Select-WinSimServices $PSBoundParameters 'GetServiceCommand' $PSCmdlet) {
      if ($Include -and -not @($Include | Where-Object { $r.name -like $_ })) { continue }
      if ($Exclude -and @($Exclude | Where-Object { $r.name -like $_ })) { continue }
      $PSCmdlet.WriteObject((New-WinSimServiceObject $r))
    }
  }
}

function Get-WinSimServiceLabel([hashtable] $Record) { return "$($Record.displayName) ($($Record.name))" }

# Starts and waits like ServiceController.Start + WaitForStatus(Running): $true when Running.
function Start-WinSimService([hashtable] $Record, [string] $CommandName, $Cmdlet) {
  if ($Record.status -eq 'Running') { return $true }
  if ($Record.status -ne 'StartPending') {
    $Record.status = 'StartPending'
    $Record.lastError = $null
    $Record.pendingUntil = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() + [long]$Record.startDelayMs
    Save-WinSimServiceRecord $Record
  }
  $label = Get-WinSimServiceLabel $Record
  $started = [DateTime]::UtcNow
  $lastWarning = [DateTime]::UtcNow
  $deadline = [DateTime]::UtcNow.AddMilliseconds([long]$Record.startDelayMs + 30000)
  while ($true) {
    $now = Get-WinSimServiceRecord $Record.name
    if ($now.status -ne 'StartPending') { break }
    if ([DateTime]::UtcNow -ge $deadline) { break }
    if (([DateTime]::UtcNow - $lastWarning).TotalSeconds -ge 2) { $Cmdlet.WriteWarning("Waiting for service '$label' to start..."); $lastWarning = [DateTime]::UtcNow }
    # Sleep until the start is due (at most 2 s, the warning's cadence), not in a busy poll.
    $due = if ($now.ContainsKey('pendingUntil')) { [long]$now.pendingUntil - [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() } else { 100 }
    Start-Sleep -Milliseconds ([Math]::Min(2000, [Math]::Max(20, $due + 5)))
  }
  if ($now.status -eq 'Running') { return $true }
  if ($now.kind -ne 'bc') {
    # A service that went StartPending and then stopped: the cmdlet's WaitForStatus(Running, 2 s)
    # sees it only when its 2 s wait runs out, then writes StartServiceFailed with no inner error
    # (ServiceBaseCommand.DoWaitForStatus; recorded Windows PowerShell output: "Restart-Service :
    # Failed to start service 'GammaService (GammaService)'." ... "StartServiceFailed,
    # Microsoft.PowerShell.Commands.RestartServiceCommand"). The reason is in the event log only.
    $waited = ([DateTime]::UtcNow - $started).TotalMilliseconds
    $due = [Math]::Ceiling([Math]::Max(1, $waited) / 2000) * 2000
    Start-Sleep -Milliseconds ([int]($due - $waited))
    $msg = "Failed to start service '$label'."
    $Cmdlet.WriteError((New-WinSimError $msg "StartServiceFailed,Microsoft.PowerShell.Commands.$CommandName" OpenError (New-WinSimServiceObject $now)))
    return $false
  }
  # A .NET service whose OnStart throws (the BC service tier): StartService itself fails with
  # 1064, which the cmdlet reports as CouldNotStartService with that inner error.
  $inner = [ComponentModel.Win32Exception]::new(1064, [string]$now.lastError)
  $cause = [InvalidOperationException]::new("Cannot start service $($Record.name) on computer '.'.", $inner)
  $msg = "Service '$label' cannot be started due to the following error: Cannot start service $($Record.name) on computer '.'."
  # Windows throws Microsoft.PowerShell.Commands.ServiceCommandException, which Linux
  # PowerShell does not ship; the message, error id and category are what scripts see.
  $ex = [InvalidOperationException]::new($msg, $cause)
  $Cmdlet.WriteError((New-WinSimError $msg "CouldNotStartService,Microsoft.PowerShell.Commands.$CommandName" OpenError (New-WinSimServiceObject $now) $ex))
  return $false
}

function Stop-WinSimService([hashtable] $Record, $Cmdlet) {
  if ($Record.status -eq 'Stopped') { return }
  Unregister-WinSimServiceListeners $Record
  $Record.status = 'Stopped'
  $Record.processId = 0
  $Record.Remove('pendingUntil')
  Save-WinSimServiceRecord $Record
}

function Start-Service {
  [CmdletBinding(DefaultParameterSetName = 'InputObject', SupportsShouldProcess = $true)]
  param(
    [Parameter(ParameterSetName = 'Default', Position = 0, Mandatory = $true, ValueFromPipelineByPropertyName = $true)] [Alias('ServiceName')] [string[]] $Name,
    [Parameter(ParameterSetName = 'DisplayName', Mandatory = $true)] [string[]] $DisplayName,
    [Parameter(ParameterSetName = 'InputObject', Position = 0, Mandatory = $true, ValueFromPipeline = $true)] [object[]] $InputObject,
    [switch] $PassThru, [string[]] $Include, [string[]] $Exclude
  )
  process {
    foreach ($r in Select-WinSimServices $PSBoundParameters 'StartServiceCommand' $PSCmdlet) {
      if (-not $PSCmdlet.ShouldProcess((Get-WinSimServiceLabel $r))) { continue }
      $ok = Start-WinSimService $r 'StartServiceCommand' $PSCmdlet
      if ($ok -and $PassThru) { $PSCmdlet.WriteObject((New-WinSimServiceObject (Get-WinSimServiceRecord $r.name))) }
    }
  }
}

function Stop-Service {
  [CmdletBinding(DefaultParameterSetName = 'InputObject', SupportsShouldProcess = $true)]
  param(
    [Parameter(ParameterSetName = 'Default', Position = 0, Mandatory = $true, ValueFromPipelineByPropertyName = $true)] [Alias('ServiceName')] [string[]] $Name,
    [Parameter(ParameterSetName = 'DisplayName', Mandatory = $true)] [string[]] $DisplayName,
    [Parameter(ParameterSetName = 'InputObject', Position = 0, Mandatory = $true, ValueFromPipeline = $true)] [object[]] $InputObject,
    [switch] $Force, [switch] $NoWait, [switch] $PassThru, [string[]] $Include, [string[]] $Exclude
  )
  process {
    foreach ($r in Select-WinSimServices $PSBoundParameters 'StopServiceCommand' $PSCmdlet) {
      if (-not $PSCmdlet.ShouldProcess((Get-WinSimServiceLabel $r))) { continue }
      Stop-WinSimService $r $PSCmdlet
      if ($PassThru) { $PSCmdlet.WriteObject((New-WinSimServiceObject (Get-WinSimServiceRecord $r.name))) }
    }
  }
}

function Restart-Service {
  [CmdletBinding(DefaultParameterSetName = 'InputObject', SupportsShouldProcess = $true)]
  param(
    [Parameter(ParameterSetName = 'Default', Position = 0, Mandatory = $true, ValueFromPipelineByPropertyName = $true)] [Alias('ServiceName')] [string[]] $Name,
    [Parameter(ParameterSetName = 'DisplayName', Mandatory = $true)] [string[]] $DisplayName,
    [Parameter(ParameterSetName = 'InputObject', Position = 0, Mandatory = $true, ValueFromPipeline = $true)] [object[]] $InputObject,
    [switch] $Force, [switch] $PassThru, [string[]] $Include, [string[]] $Exclude
  )
  process {
    foreach ($r in Select-WinSimServices $PSBoundParameters 'RestartServiceCommand' $PSCmdlet) {
      if (-not $PSCmdlet.ShouldProcess((Get-WinSimServiceLabel $r))) { continue }
      Stop-WinSimService $r $PSCmdlet
      $ok = Start-WinSimService (Get-WinSimServiceRecord $r.name) 'RestartServiceCommand' $PSCmdlet
      if ($ok -and $PassThru) { $PSCmdlet.WriteObject((New-WinSimServiceObject (Get-WinSimServiceRecord $r.name))) }
    }
  }
}

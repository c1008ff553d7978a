using System.ComponentModel.DataAnnotations;

namespace Cualify.Appliance.Hosting;

/// <summary>Settings of the <c>Host</c> section: how the process behaves as a service.</summary>
public sealed class ServiceHostOptions
{
    public const string Section = "Host";

    /// <summary>
    /// How long a stop (SIGTERM, <c>systemctl stop</c>, Windows service stop) waits for in-flight requests and
    /// workers to finish before the process exits anyway. Keep it below the unit's <c>TimeoutStopSec</c>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Host:ShutdownTimeout must be between 00:00:01 and 00:10:00, e.g. 00:00:30")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

using System.ComponentModel.DataAnnotations;

namespace Cualify.Appliance.OperatorConsole;

/// <summary>The <c>Console</c> settings section.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>
    /// Serve the console over plain http to clients that are not on this machine. Off by default: the sign-in form
    /// carries an API key, which must not cross a network in clear.
    /// </summary>
    public bool AllowPlainHttp { get; set; }

    /// <summary>How long a session lasts without a request (sliding).</summary>
    [Range(typeof(TimeSpan), "00:05:00", "7.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);
}

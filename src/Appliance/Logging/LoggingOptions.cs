using System.ComponentModel.DataAnnotations;
using Serilog.Events;

namespace Cualify.Appliance.Logging;

/// <summary>Settings of the <c>Logging</c> section.</summary>
public sealed class LoggingOptions : IValidatableObject
{
    public const string Section = "Logging";

    /// <summary>Lowest level written: Verbose, Debug, Information, Warning, Error or Fatal.</summary>
    public string Level { get; set; } = "Information";

    /// <summary>Daily log files older than this many days are deleted.</summary>
    [Range(1, 3650, ErrorMessage = "Logging:RetainedDays must be a whole number of days between 1 and 3650, e.g. 14")]
    public int RetainedDays { get; set; } = 14;

    /// <summary>A day's file rolls over to a numbered file past this size, so a noisy day never stops logging.</summary>
    [Range(1, 10_240, ErrorMessage = "Logging:FileSizeLimitMB must be between 1 and 10240, e.g. 100")]
    public int FileSizeLimitMB { get; set; } = 100;

    public LogEventLevel MinimumLevel => Enum.TryParse<LogEventLevel>(Level, ignoreCase: true, out var level) ? level : LogEventLevel.Information;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.TryParse<LogEventLevel>(Level, ignoreCase: true, out _) || int.TryParse(Level, out _))
        {
            yield return new ValidationResult(
                $"Logging:Level must be one of {string.Join(", ", Enum.GetNames<LogEventLevel>())}, not '{Level}'", [nameof(Level)]);
        }
    }
}

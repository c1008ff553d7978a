using System.ComponentModel.DataAnnotations;

namespace Cualify.Appliance.Core.Recordings;

/// <summary><c>Recordings:*</c>: how long recordings are kept and how long a public link to one works.</summary>
public sealed class RecordingOptions
{
    public const string Section = "Recordings";

    [Range(1, 36500, ErrorMessage = "Recordings:RetentionDays must be from 1 to 36500")]
    public int RetentionDays { get; set; } = 90;

    /// <summary>How long a public link (<c>Api:PublicBaseUrl</c> set) works after it was handed out.</summary>
    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromDays(7);
}

using System.ComponentModel.DataAnnotations;

namespace Cualify.Appliance.Core.Cluster;

/// <summary>Settings of the <c>Cluster</c> section: how nodes sharing one PostgreSQL store watch each other.</summary>
public sealed class ClusterOptions
{
    public const string Section = "Cluster";

    /// <summary>This node's id; defaults to one made once and kept in <c>&lt;data-dir&gt;/node-id</c>, so a restart is the same node.</summary>
    public string? NodeId { get; set; }

    /// <summary>A node silent this long is taken as gone: another node settles its live calls.</summary>
    [Range(typeof(TimeSpan), "00:00:03", "01:00:00", ErrorMessage = "Cluster:NodeTimeout must be between 00:00:03 and 01:00:00")]
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan HeartbeatInterval => NodeTimeout / 3;
}

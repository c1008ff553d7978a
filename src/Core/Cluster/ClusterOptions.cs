using System.ComponentModel.DataAnnotations;
using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Cluster;

/// <summary>Settings of the <c>Cluster</c> section: how nodes sharing one PostgreSQL store watch each other.</summary>
public sealed class ClusterOptions
{
    public const string Section = "Cluster";

    /// <summary>This node's id; defaults to one made once and kept in <c>&lt;data-dir&gt;/node-id</c>, so a restart is the same node.</summary>
    public string? NodeId { get; set; }

    /// <summary>
    /// This node's own address as the other nodes reach it (e.g. <c>http://10.0.0.5:8080/</c>), published in
    /// <c>nodes</c>: Twilio requests for the calls this node placed are passed on here. None: they are not.
    /// </summary>
    public string? NodeUrl { get; set; }

    /// <summary>A node silent this long is taken as gone: another node settles its live calls.</summary>
    [Range(typeof(TimeSpan), "00:00:03", "01:00:00", ErrorMessage = "Cluster:NodeTimeout must be between 00:00:03 and 01:00:00")]
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan HeartbeatInterval => NodeTimeout / 3;

    /// <summary><see cref="NodeUrl"/> with a trailing slash, or null when it is not set (or not an address, which stops start-up).</summary>
    public Uri? NodeBase => Uri.TryCreate(NodeUrl?.Trim().TrimEnd('/') + "/", UriKind.Absolute, out var url) ? url : null;
}

/// <summary>Checks <c>Cluster:NodeUrl</c> at start when the store is PostgreSQL (on SQLite there is one node and it is not used).</summary>
public sealed class ClusterOptionsValidator(IOptions<StoreOptions> store) : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        if (!store.Value.IsPostgres || string.IsNullOrWhiteSpace(options.NodeUrl))
        {
            return ValidateOptionsResult.Success;
        }

        return Uri.TryCreate(options.NodeUrl.Trim(), UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
               && url.Query.Length == 0 && url.Fragment.Length == 0 && url.UserInfo.Length == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Cluster:NodeUrl must be this node's absolute http(s) address as the other nodes reach it, such as http://10.0.0.5:8080/, not '{options.NodeUrl}'");
    }
}

using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Cluster;

/// <summary>This appliance as one node of its store: the id its live calls carry, and the address other nodes reach it at.</summary>
public sealed class ClusterNode(IOptions<ClusterOptions> options, DataDirectory dataDirectory)
{
    private readonly Lazy<string> _id = new(() => options.Value.NodeId is { Length: > 0 } id ? id : LoadOrCreate(dataDirectory));

    public string Id => _id.Value;

    /// <summary><c>Cluster:NodeUrl</c>; null when not set.</summary>
    public Uri? Url => options.Value.NodeBase;

    private static string LoadOrCreate(DataDirectory dataDirectory)
    {
        var file = dataDirectory.Combine("node-id");
        if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } kept)
        {
            return kept;
        }

        var id = $"node_{Guid.NewGuid():N}";
        Directory.CreateDirectory(dataDirectory.Path);
        File.WriteAllText(file, id);
        return id;
    }
}

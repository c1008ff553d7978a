namespace Cualify.Appliance.Core.Store;

/// <summary>The folder holding the store, logs, the secret key and the mail pickup folder (<c>--data-dir</c>).</summary>
public sealed record DataDirectory(string Path)
{
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);
}

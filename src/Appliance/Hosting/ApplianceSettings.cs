namespace Cualify.Appliance.Hosting;

/// <summary>
/// Where configuration comes from, lowest to highest: <c>config/appsettings.json</c> beside the binary, the
/// override file (<c>--config</c>), <c>CUALIFY__…</c> environment variables, then command-line flags and
/// <see cref="Overrides"/> (tests).
/// </summary>
public sealed record ApplianceSettings(
    string DataDir,
    string? ConfigFile = null,
    string? Urls = null,
    IReadOnlyDictionary<string, string?>? Overrides = null)
{
    public const string EnvironmentPrefix = "CUALIFY__";

    public string DataDirFullPath => Path.GetFullPath(DataDir);
}

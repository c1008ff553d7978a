using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Hosting.WindowsServices;

namespace Cualify.Appliance.Hosting;

/// <summary>What this build is and how the process was started, for logs, <c>/metrics</c> and <c>doctor</c>.</summary>
public static class BuildInfo
{
    private static readonly string Informational =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>The product version, without the source revision.</summary>
    public static string Version => Informational.Split('+')[0];

    /// <summary>The git commit the build came from (empty when unknown).</summary>
    public static string Commit => Informational.Contains('+') ? Informational.Split('+')[1] : "";

    public static string Runtime => RuntimeInformation.FrameworkDescription;

    public static string RuntimeIdentifier => RuntimeInformation.RuntimeIdentifier;

    public static bool RunsAsService => SystemdHelpers.IsSystemdService() || WindowsServiceHelpers.IsWindowsService();

    public static string ServiceMode =>
        SystemdHelpers.IsSystemdService() ? "a systemd service"
        : WindowsServiceHelpers.IsWindowsService() ? "a Windows service"
        : "a foreground process";
}

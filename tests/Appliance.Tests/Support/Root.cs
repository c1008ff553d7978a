using System.Diagnostics;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Tests.Support;

/// <summary>Tests that act as an admin (install a service, switch users) need root; CI runs as root.</summary>
public static class Root
{
    public static void Require(string why)
    {
        if (Environment.UserName != "root" && !IsUidZero())
        {
            Assert.Fail($"This test {why} and must run as root (CI does): sudo ./test.sh, or sudo dotnet test tests/Appliance.Tests");
        }
    }

    /// <summary>Runs a command as <paramref name="user"/> the way systemd's User= does: same process, no shell, no session.</summary>
    public static ProcessStartInfo AsUser(string user, string program, params string[] arguments)
    {
        var setpriv = RequiredTool.Find("setpriv", "apt-get install util-linux");
        var info = new ProcessStartInfo(setpriv);
        foreach (var argument in new[] { $"--reuid={user}", $"--regid={PrimaryGroup(user)}", "--init-groups", "--", program }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    public static ProcessStartInfo Command(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    private static string PrimaryGroup(string user)
    {
        using var id = Process.Start(new ProcessStartInfo("id", ["-g", user]) { RedirectStandardOutput = true })!;
        var gid = id.StandardOutput.ReadToEnd().Trim();
        id.WaitForExit();
        return id.ExitCode == 0 ? gid : throw new InvalidOperationException($"No user '{user}' on this machine");
    }

    private static bool IsUidZero() =>
        File.Exists("/proc/self/status") && File.ReadLines("/proc/self/status").Any(l => l.StartsWith("Uid:", StringComparison.Ordinal) && l.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == "0");
}

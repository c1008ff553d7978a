using System.Diagnostics;
using System.Text;

namespace Cualify.Appliance.LocalApi.Tests.ApiDescription;

/// <summary>
/// The developer tools the API-description tests run: Redocly CLI and Kiota, installed by
/// <c>scripts/install-test-prereqs.sh</c> into the repository's git-ignored <c>tools/</c> folder.
/// </summary>
public static class ApiTools
{
    private const string Install = "scripts/install-test-prereqs.sh";

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Redocly => Existing(Path.Combine(RepoRoot, "tools", "redocly", "node_modules", ".bin", "redocly"), "Redocly CLI (@redocly/cli)");

    public static string Kiota => Existing(Path.Combine(RepoRoot, "tools", "kiota", "kiota"), "Kiota (Microsoft.OpenApi.Kiota)");

    public static async Task<(int ExitCode, string Output)> RunAsync(string program, IEnumerable<string> arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No telemetry from either tool.
        start.Environment["KIOTA_CLI_TELEMETRY_OPTOUT"] = "true";
        // Kiota asks GitHub for a newer release on every run unless its Update:Disabled setting is on.
        start.Environment["KIOTA_UPDATE_DISABLED"] = "true";
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}");
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(limit.Token);
        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, output.ToString());
    }

    private static string Existing(string path, string name) =>
        File.Exists(path) ? path : throw new InvalidOperationException($"This test needs {name} at {path}, which is not installed. Install it with: {Install} (or run ./test.sh).");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cualify.Appliance.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cualify.Appliance.sln not found above " + AppContext.BaseDirectory);
    }
}

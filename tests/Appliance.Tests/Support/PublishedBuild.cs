using System.Diagnostics;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Tests.Support;

/// <summary>
/// The self-contained single-file builds of <c>dotnet publish -p:PublishProfile=…</c>, as an admin would install
/// them. test.sh publishes them after its build, before the tests run; when one is missing, or was built from
/// another commit than the build under test, it is published here (slow, once per run).
/// </summary>
public sealed class PublishedBuild
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static string RepositoryRoot { get; } = FindRoot();

    public static string Folder(string rid) => Path.Combine(RepositoryRoot, "artifacts", "publish", rid);

    public static async Task<string> EnsureAsync(string rid)
    {
        var folder = Folder(rid);
        var exe = Path.Combine(folder, rid.StartsWith("win", StringComparison.Ordinal) ? "cualify-appliance.exe" : "cualify-appliance");
        await Gate.WaitAsync();
        try
        {
            // A Windows build cannot run here to tell its version: it is only published when missing (test.sh always publishes both).
            if (File.Exists(exe) && (rid.StartsWith("win", StringComparison.Ordinal) || await PublishedVersionAsync(exe) == BuiltVersion()))
            {
                return folder;
            }

            var publish = new ProcessStartInfo("dotnet") { WorkingDirectory = RepositoryRoot };
            foreach (var argument in new[] { "publish", "src/Appliance", $"-p:PublishProfile={rid}", "-o", folder, "-nologo", "-v:q" })
            {
                publish.ArgumentList.Add(argument);
            }

            var result = await ApplianceProcess.RunAsync(publish, TimeSpan.FromMinutes(10));
            Assert.True(result.ExitCode == 0, $"dotnet publish for {rid} failed:\n{result.StandardOutput}\n{result.StandardError}");
            Assert.True(File.Exists(exe), $"dotnet publish for {rid} produced no {exe}");
            return folder;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The build under test's version and commit (<c>0.1.0+sha</c>).</summary>
    private static string BuiltVersion() =>
        System.Reflection.Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, "cualify-appliance.dll"))
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion;

    private static async Task<string?> PublishedVersionAsync(string exe)
    {
        var result = await ApplianceProcess.RunAsync(new ProcessStartInfo(exe, ["--version"]), TimeSpan.FromMinutes(1));
        return result.ExitCode == 0 ? result.StandardOutput.Trim() : null;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cualify.Appliance.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Cualify.Appliance.sln above {AppContext.BaseDirectory}");
    }
}

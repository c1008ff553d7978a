using System.Diagnostics;
using Cualify.Appliance.Testing;
using Cualify.Appliance.Tests.Support;

namespace Cualify.Appliance.Tests;

/// <summary>
/// What can be shown of the Windows side on Linux: the win-x64 single-file build publishes, and the PowerShell
/// scripts parse with PowerShell's own parser and call the commands each step needs. Running them needs Windows.
/// </summary>
public sealed class WindowsInstallerTests
{
    private static string Script(string name) => Path.Combine(PublishedBuild.RepositoryRoot, "installer", "windows", name);

    [Fact]
    public async Task The_win_x64_build_publishes_as_one_executable_with_its_settings_beside_it()
    {
        var folder = await PublishedBuild.EnsureAsync("win-x64");
        var exe = Path.Combine(folder, "cualify-appliance.exe");
        var header = new byte[2];
        await using (var file = File.OpenRead(exe))
        {
            await file.ReadExactlyAsync(header);
        }

        Assert.Equal("MZ"u8.ToArray(), header);
        Assert.True(File.Exists(Path.Combine(folder, "config", "appsettings.json")));
        Assert.True(File.Exists(Path.Combine(folder, "e_sqlite3.dll")));
        Assert.Empty(Directory.GetFiles(folder, "*.pdb"));
        Assert.False(File.Exists(Path.Combine(folder, "web.config")), "an IIS web.config in a service build");
    }

    [Theory]
    [InlineData("install.ps1", new[] { "New-Service", "sc.exe", "Set-Acl", "Stop-Service", "Start-Service", "Copy-Item", "Get-Service" })]
    [InlineData("uninstall.ps1", new[] { "Stop-Service", "sc.exe", "Remove-Item", "Get-Service" })]
    public async Task The_PowerShell_scripts_parse_and_call_what_each_step_needs(string script, string[] commands)
    {
        var pwsh = RequiredTool.Find("pwsh", "dotnet tool install --global PowerShell --version 7.6.9",
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "pwsh"));
        var parse = $$"""
            $tokens = $null; $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseFile('{{Script(script).Replace("'", "''")}}', [ref]$tokens, [ref]$errors)
            foreach ($e in $errors) { "ERROR " + $e.ToString() }
            $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true) | ForEach-Object { "COMMAND " + $_.GetCommandName() }
            if ($ast.ScriptRequirements.IsElevationRequired) { "ELEVATED" }
            """;
        var result = await ApplianceProcess.RunAsync(new ProcessStartInfo(pwsh, ["-NoProfile", "-NonInteractive", "-Command", parse]), TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.StandardError);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain(lines, l => l.StartsWith("ERROR", StringComparison.Ordinal));
        Assert.Contains("ELEVATED", lines);
        var called = lines.Where(l => l.StartsWith("COMMAND ", StringComparison.Ordinal)).Select(l => l["COMMAND ".Length..]).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var command in commands)
        {
            Assert.Contains(command, called);
        }
    }
}

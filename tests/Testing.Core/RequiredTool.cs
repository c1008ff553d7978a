namespace Cualify.Appliance.Testing;

/// <summary>
/// Finds an external program a test needs (sipp, aiosmtpd's python, dovecot…). A missing tool fails the test
/// with the command that installs it; it never skips silently.
/// </summary>
public static class RequiredTool
{
    public static string Find(string program, string installCommand, params string[] extraLocations)
    {
        var candidates = extraLocations.Concat(
            (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Concat(["/usr/sbin", "/sbin", "/usr/local/sbin"])
                .Select(dir => System.IO.Path.Combine(dir, program)));
        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"This test needs '{program}', which is not installed. Install it with: {installCommand} (or run ./test.sh, which installs every test prerequisite).");
    }
}

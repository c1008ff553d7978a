using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Doctor;

/// <summary>
/// The data folder exists, this user can write it and its logs, every file in it belongs to the folder's owner
/// (a verb once run as root leaves files the service cannot write), others cannot read it, and the disk has room.
/// </summary>
public sealed class DataFolderCheck(DataDirectory dataDirectory) : IDoctorCheck
{
    private const long LowSpace = 1L << 30;
    private const long NoSpace = 100L << 20;

    public string Name => "data-folder";

    public Task<DoctorResult> RunAsync(CancellationToken cancellationToken) => Task.FromResult(Check());

    private DoctorResult Check()
    {
        var path = dataDirectory.Path;
        var user = UnixFiles.Supported ? UnixFiles.UserName(UnixFiles.EffectiveUserId()) : Environment.UserName;
        if (!Directory.Exists(path))
        {
            return File.Exists(path)
                ? DoctorResult.Fail($"{path} is a file, not a folder", "point --data-dir at a folder")
                : DoctorResult.Fail($"{path} does not exist", $"create it with: cualify-appliance init --data-dir {path} (the installer does this)");
        }

        foreach (var folder in new[] { path, Path.Combine(path, "logs") })
        {
            if (!CanWrite(folder, out var error))
            {
                return DoctorResult.Fail($"{user} cannot write {folder}: {error}", OwnershipFix(path));
            }
        }

        if (UnixFiles.Supported && UnixFiles.OwnerOf(path) is { } owner)
        {
            var foreign = ForeignFiles(path, owner).Take(3).ToList();
            if (foreign.Count > 0)
            {
                var names = string.Join(", ", foreign.Select(f => $"{Path.GetRelativePath(path, f.Path)} (owned by {UnixFiles.UserName(f.Owner)})"));
                return DoctorResult.Fail($"files the folder's owner {UnixFiles.UserName(owner)} cannot rely on writing: {names}",
                    $"chown -R {UnixFiles.UserName(owner)}: {path}; run verbs as the service user (sudo -u {UnixFiles.UserName(owner)} cualify-appliance …)");
            }

        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute | UnixFileMode.GroupWrite)) != 0)
        {
            return Space(path, DoctorResult.Warn($"{path} is open to other users (mode {Mode(path)}); it holds personal data and the secret key", $"chmod 750 {path}"));
        }

        return Space(path, DoctorResult.Ok($"{path} is writable by {user}"));
    }

    private static DoctorResult Space(string path, DoctorResult otherwise)
    {
        var free = new DriveInfo(path).AvailableFreeSpace;
        var shown = $"{free / (1024.0 * 1024 * 1024):0.0} GiB free";
        return free switch
        {
            < NoSpace => DoctorResult.Fail($"only {shown} on the disk of {path}; the store and logs will stop being written", "free disk space or move the data folder to a larger disk"),
            < LowSpace when otherwise.Status == DoctorStatus.Ok => DoctorResult.Warn($"only {shown} on the disk of {path}", "free disk space or move the data folder to a larger disk"),
            _ => otherwise with { Detail = $"{otherwise.Detail}; {shown}" },
        };
    }

    private static bool CanWrite(string folder, out string error)
    {
        error = "";
        if (!Directory.Exists(folder))
        {
            // logs/ is created on the first log line; it is enough that its parent is writable.
            return true;
        }

        var probe = Path.Combine(folder, $".doctor-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = ex.Message;
            return false;
        }
    }

    private static IEnumerable<(string Path, uint Owner)> ForeignFiles(string path, uint owner)
    {
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateFileSystemEntries(path, "*", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 2, IgnoreInaccessible = true }).ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            yield break;
        }

        foreach (var entry in entries)
        {
            if (UnixFiles.OwnerOf(entry) is { } entryOwner && entryOwner != owner)
            {
                yield return (entry, entryOwner);
            }
        }
    }

    private static string Mode(string path) => OperatingSystem.IsWindows() ? "" : Convert.ToString((int)File.GetUnixFileMode(path), 8);

    private static string OwnershipFix(string path) =>
        OperatingSystem.IsWindows()
            ? $"give the service account Modify rights on {path} (the installer does this)"
            : $"make the service user own it: chown -R cualify: {path} && chmod 750 {path}";
}

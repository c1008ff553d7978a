using System.Runtime.InteropServices;

namespace Cualify.Appliance.Doctor;

/// <summary>The few POSIX facts doctor needs that .NET does not expose: who we run as, who owns a file, clock sync.</summary>
internal static partial class UnixFiles
{
    public static bool Supported => (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64);

    public static uint EffectiveUserId() => geteuid();

    /// <summary>The owner's uid of <paramref name="path"/>, or null when it cannot be read.</summary>
    public static uint? OwnerOf(string path)
    {
        if (!Supported)
        {
            return null;
        }

        // struct stat: st_uid is at byte 28 on x86-64 and at byte 24 on arm64 (the generic layout).
        var buffer = new byte[256];
        if (stat(path, buffer) != 0)
        {
            return null;
        }

        return BitConverter.ToUInt32(buffer, RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 28 : 24);
    }

    /// <summary>A user's name from /etc/passwd, or the number when it has none.</summary>
    public static string UserName(uint uid)
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var fields = line.Split(':');
                if (fields.Length > 2 && fields[2] == uid.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    return fields[0];
                }
            }
        }
        catch (IOException)
        {
        }

        return $"uid {uid}";
    }

    /// <summary>
    /// The kernel's clock state (adjtimex with no changes, allowed to anyone): 5 (TIME_ERROR) means the clock is not
    /// synchronised by NTP; -1 means unknown.
    /// </summary>
    public static int ClockState()
    {
        if (!Supported)
        {
            return -1;
        }

        var timex = new byte[512]; // struct timex is 208 bytes on 64-bit Linux; modes = 0 reads only
        return adjtimex(timex);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial uint geteuid();

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int stat(string path, [Out] byte[] buffer);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int adjtimex([In, Out] byte[] timex);
}

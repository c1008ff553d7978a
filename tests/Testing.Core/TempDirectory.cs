namespace Cualify.Appliance.Testing;

/// <summary>A fresh folder under the system temp folder, removed on dispose (with the PostgreSQL database <see cref="TestStore"/> gave it).</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string purpose = "test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"cualify-{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        TestStore.DropDatabaseOf(Path);
        if (Environment.GetEnvironmentVariable("CUALIFY_TEST_KEEP_LOGS") is { Length: > 0 } keep)
        {
            foreach (var log in Directory.GetFiles(Path, "*.log", SearchOption.AllDirectories))
            {
                File.Copy(log, System.IO.Path.Combine(keep, System.IO.Path.GetFileName(Path) + "-" + System.IO.Path.GetFileName(log)), overwrite: true);
            }
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process we started may still hold a file for a moment; the temp folder is cleaned by the OS.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

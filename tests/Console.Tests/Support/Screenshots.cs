using Microsoft.Playwright;

namespace Cualify.Appliance.OperatorConsole.Tests.Support;

/// <summary>Saves full-page screenshots as test artifacts under the repository's (git-ignored) TestResults folder.</summary>
public static class Screenshots
{
    public static readonly string Folder = Path.Combine(RepositoryRoot(), "TestResults", "console-screenshots");

    public static async Task SaveAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Folder);
        var path = Path.Combine(Folder, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 0, $"The screenshot {path} is empty");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cualify.Appliance.sln")))
            {
                return dir.FullName;
            }
        }

        return AppContext.BaseDirectory;
    }
}

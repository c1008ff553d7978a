using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Core.Tests.Cluster;

/// <summary>A prompt uploaded at one node is converted into that node's data folder; a node dialing a call with it writes its own files from the store's copy.</summary>
public sealed class ClusterPromptTests
{
    [Fact]
    public async Task A_prompt_converted_at_one_node_is_written_into_another_nodes_folder_from_the_store_and_goes_with_its_replacement()
    {
        await using var cluster = await ClusterNodes.CreateAsync(2);
        var (first, second) = (cluster.First, cluster.All[1]);
        await first.Get<ApplianceInitializer>().InitializeAsync();
        var org = (await first.Get<OrgStore>().FindAsync("default"))!;
        var playbook = await first.Get<PlaybookStore>().CreateAsync(org.Id, new PlaybookInput("p"));
        var (_, audio) = await first.Get<PlaybookAudioStore>().UploadAsync(org.Id, playbook.Id, WavFixtures.Tone(16000, 16, 1, 1));
        var prompts = second.Get<PlaybookAudioStore>();
        Assert.False(File.Exists(prompts.UlawPath(audio)));

        Assert.True(await prompts.EnsureHereAsync(audio));

        var converted = first.Get<PlaybookAudioStore>();
        Assert.Equal(await File.ReadAllBytesAsync(converted.UlawPath(audio)), await File.ReadAllBytesAsync(prompts.UlawPath(audio)));
        Assert.Equal(await File.ReadAllBytesAsync(converted.AlawPath(audio)), await File.ReadAllBytesAsync(prompts.AlawPath(audio)));
        Assert.Equal(8000, new FileInfo(prompts.UlawPath(audio)).Length);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(prompts.UlawPath(audio))!, "*.part"));

        // Replaced by a new upload, the old prompt's copy leaves the store: a node without its files cannot play it any more.
        await converted.UploadAsync(org.Id, playbook.Id, WavFixtures.Tone(16000, 16, 1, 2));
        File.Delete(prompts.UlawPath(audio));
        Assert.False(await prompts.EnsureHereAsync(audio));
    }
}

using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Core.Sequences;
using Cualify.Appliance.Core.Sequences.Writing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Core.Tests.Sequences;

/// <summary>How one step's writing is judged: timeouts on the appliance's clock, refusals, cut-off answers, the model recorded.</summary>
public sealed class StepWritingTests
{
    private static readonly Contact Maria = new() { Id = "c1", FirstName = "María", Notes = "Speaks Spanish.", LanguagePref = "es", Metadata = """{"company":"Acme"}""" };
    private static readonly StepContext First = new(1, 2, FollowUp: false, DraftSubject: "Hi", DraftBody: "Hello.");

    private sealed class ScriptedWriter(Func<WriterRequest, CancellationToken, Task<WriterReply>> answer) : IStepWriter
    {
        public List<WriterRequest> Requests { get; } = [];

        public bool IsConfigured => true;

        public string Model => "local-model";

        public Task<WriterReply> WriteAsync(string orgId, WriterRequest request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return answer(request, cancellationToken);
        }
    }

    private static (StepWriting Writing, ApplianceMetrics Metrics) Create(IStepWriter writer, TimeProvider time) =>
        Create(writer, time, new ApplianceMetrics([]));

    private static (StepWriting Writing, ApplianceMetrics Metrics) Create(IStepWriter writer, TimeProvider time, ApplianceMetrics metrics) =>
        (new StepWriting(writer, Options.Create(new StepWriterOptions { Endpoint = new Uri("http://127.0.0.1:9/v1"), Model = "local-model", Timeout = TimeSpan.FromSeconds(20) }),
            metrics, time, NullLogger<StepWriting>.Instance), metrics);

    [Fact]
    public async Task A_writer_that_does_not_answer_within_the_timeout_on_the_appliances_clock_is_a_timeout()
    {
        var time = new FakeTimeProvider();
        var writer = new ScriptedWriter(async (_, token) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
            return WriterReply.Failure("unreachable");
        });
        var (writing, metrics) = Create(writer, time);

        var pending = writing.WriteAsync("org", new WriterBrief("Greet {{ contact.first_name }}."), Maria, First, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(19));
        Assert.False(pending.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        var result = await pending;

        Assert.Equal(FallbackReason.Timeout, result.FallbackReason);
        Assert.Null(result.Text);
        Assert.Matches("^[0-9a-f]{64}$", result.PromptSha256);
        Assert.Contains("cualify_sequence_writer_fallbacks_total{reason=\"timeout\"} 1", await metrics.ScrapeAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData("content_filter", WriterOutcome.Answered, "refused")]
    [InlineData("stop", WriterOutcome.Refused, "refused")]
    [InlineData("length", WriterOutcome.Answered, "unusable")]
    [InlineData("stop", WriterOutcome.Failed, "error")]
    public async Task Filtered_refused_cut_off_and_failed_answers_each_fall_back_with_their_reason(string finish, WriterOutcome outcome, string reason)
    {
        var writer = new ScriptedWriter((_, _) => Task.FromResult(new WriterReply(outcome, """{"subject":"Hola","body":"Hola."}""", "m", finish, null)));
        var (writing, _) = Create(writer, new FakeTimeProvider());

        var result = await writing.WriteAsync("org", new WriterBrief("Greet."), Maria, First, CancellationToken.None);

        Assert.Equal(reason, result.FallbackReason);
        Assert.Null(result.Text);
    }

    [Fact]
    public async Task The_prompt_carries_the_rendered_instructions_and_this_contact_and_the_answer_records_the_model_that_wrote_it()
    {
        var writer = new ScriptedWriter((_, _) => Task.FromResult(new WriterReply(WriterOutcome.Answered, """{"subject":"Hola María","body":"Hola."}""", "local-model-q4", "stop", null)));
        var (writing, _) = Create(writer, new FakeTimeProvider());

        var result = await writing.WriteAsync("org", new WriterBrief("Greet {{ contact.first_name }} from {{ metadata.company }}."), Maria, First, CancellationToken.None);

        Assert.Equal(new WrittenText("Hola María", "Hola."), result.Text);
        Assert.Equal("local-model-q4", result.Model);
        var request = Assert.Single(writer.Requests);
        Assert.Equal(WriterPrompt.Sha256(request), result.PromptSha256);
        Assert.Equal("local-model", request.Model);
        var user = System.Text.Json.Nodes.JsonNode.Parse(request.Messages.Single(m => m.Role == "user").Content)!;
        Assert.Equal("Greet María from Acme.", (string?)user["instructions"]);
        Assert.Equal("es", (string?)user["language"]);
        Assert.Equal("Speaks Spanish.", (string?)user["contact"]!["notes"]);
        Assert.Equal("Hello.", (string?)user["draft"]!["body"]);
        Assert.Equal(["subject", "body"], request.Schema["required"]!.AsArray().Select(n => (string)n!));
    }
}

using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Sequences;

namespace Cualify.Appliance.Core.Tests.Sequences;

/// <summary>Every render of an org's template stops at a bound, however the template tries to run away.</summary>
public sealed class LiquidBoundsTests
{
    private static readonly Contact Maria = new()
    {
        Id = "c1", FirstName = "Maria", Name = "Maria Lopez", Email = "maria@example.com", Notes = "Asked about pricing.",
        Metadata = """{"company":"Acme","n":12000,"huge":50000000,"tags":["a","b"]}""",
    };

    [Fact]
    public async Task An_ordinary_template_renders_the_contacts_fields()
    {
        var text = await LiquidText.RenderAsync(
            "Hi {{ contact.first_name }} at {{ metadata.company }}{% for t in contact.metadata.tags %} #{{ t }}{% endfor %}{% for i in (1..3) %}.{% endfor %}", Maria);
        Assert.Equal("Hi Maria at Acme #a #b...", text);
    }

    [Theory]
    [InlineData("{% for i in (1..contact.metadata.n) %}{% for j in (1..contact.metadata.n) %}x{% endfor %}{% endfor %}", "statements")]
    [InlineData("{% for i in (1..contact.metadata.huge) %}{% endfor %}", "range")]
    [InlineData("{% assign r = (1..contact.metadata.huge) %}{{ r.size }}", "range")]
    [InlineData("{% assign s = contact.notes %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s.size }}", "append")]
    public async Task A_runaway_template_stops_at_a_bound_that_names_itself(string template, string bound)
    {
        var stopped = await Assert.ThrowsAsync<TemplateBoundsException>(() => LiquidText.RenderAsync(template, Maria));
        Assert.Contains(bound, stopped.Message);
    }

    [Fact]
    public async Task Output_past_the_cap_stops_the_render()
    {
        var template = "{% for i in (1..100) %}" + new string('y', 3_000) + "{% endfor %}";
        var stopped = await Assert.ThrowsAsync<TemplateBoundsException>(() => LiquidText.RenderAsync(template, Maria));
        Assert.Contains($"{LiquidText.MaxOutputChars} characters", stopped.Message);
    }

    [Fact]
    public async Task A_template_that_runs_away_for_a_blank_contact_is_found_before_it_is_saved()
    {
        Assert.Null(await LiquidText.FindBoundsErrorAsync("{% for i in (1..contact.metadata.n) %}x{% endfor %}"));
        Assert.Contains("statements", await LiquidText.FindBoundsErrorAsync("{% for i in (1..12000) %}{% for j in (1..12000) %}x{% endfor %}{% endfor %}"));
    }
}

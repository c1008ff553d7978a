using System.Xml.Linq;
using Cualify.Appliance.Dialer.Twilio;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

public sealed class TwimlRendererTests
{
    private static readonly TwimlLinks Public = new("https://dialer.example.com/api/v1/providers/twilio/calls/c1/gather", null);

    [Fact]
    public void Says_the_disclosure_then_gathers_one_digit_over_the_message_in_the_call_language()
    {
        var plan = TestPlans.Plan();

        var twiml = XDocument.Parse(TwimlRenderer.Playbook(plan, Public));

        var verbs = twiml.Root!.Elements().ToList();
        Assert.Equal(["Say", "Gather", "Hangup"], verbs.Select(v => v.Name.LocalName));
        Assert.Equal(plan.Playbook.DisclosureText, verbs[0].Value);
        Assert.Equal("hi-IN", (string?)verbs[0].Attribute("language"));
        var gather = verbs[1];
        Assert.Equal("1", (string?)gather.Attribute("numDigits"));
        Assert.Equal("dtmf", (string?)gather.Attribute("input"));
        Assert.Equal(Public.GatherAction, (string?)gather.Attribute("action"));
        Assert.Equal("POST", (string?)gather.Attribute("method"));
        Assert.Equal("true", (string?)gather.Attribute("actionOnEmptyResult"));
        Assert.Equal(plan.Playbook.MessageText, gather.Element("Say")!.Value);
    }

    [Fact]
    public void Escapes_text_so_the_document_stays_well_formed()
    {
        var plan = TestPlans.Plan(message: "Fish & chips <b>now</b> \"quoted\" ]]> done");

        var text = TwimlRenderer.Playbook(plan, Public);

        Assert.Equal("Fish & chips <b>now</b> \"quoted\" ]]> done", XDocument.Parse(text).Root!.Element("Gather")!.Element("Say")!.Value);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Plays_uploaded_audio_instead_of_saying_the_message()
    {
        var links = Public with { AudioUrl = "https://dialer.example.com/api/v1/providers/twilio/audio/tok.wav" };

        var gather = XDocument.Parse(TwimlRenderer.Playbook(TestPlans.Plan(), links)).Root!.Element("Gather")!;

        Assert.Equal(links.AudioUrl, gather.Element("Play")!.Value);
        Assert.Null(gather.Element("Say"));
    }

    [Fact]
    public void Without_a_public_url_it_only_speaks_and_hangs_up()
    {
        var verbs = XDocument.Parse(TwimlRenderer.Playbook(TestPlans.Plan(), TwimlLinks.None)).Root!.Elements();

        Assert.Equal(["Say", "Say", "Hangup"], verbs.Select(v => v.Name.LocalName));
    }

    [Fact]
    public void Shortens_a_long_message_at_a_word_end_to_fit_4000_characters()
    {
        var words = string.Join(' ', Enumerable.Range(0, 1_500).Select(i => $"word{i}"));
        var plan = TestPlans.Plan(message: words);

        var (twiml, shortened) = TwimlRenderer.FitInline(plan, Public);

        Assert.True(shortened);
        Assert.InRange(twiml.Length, 3_900, TwimlRenderer.MaxInlineLength);
        var said = string.Join(' ', XDocument.Parse(twiml).Root!.Element("Gather")!.Elements("Say").Select(say => say.Value));
        Assert.EndsWith("…", said);
        Assert.StartsWith(said[..^1], words);
        Assert.Matches(@"word\d+…$", said);
    }

    [Fact]
    public void Splits_very_long_texts_into_several_says()
    {
        var sentence = "This sentence is part of a long message. ";
        var plan = TestPlans.Plan(message: string.Concat(Enumerable.Repeat(sentence, 200)));

        var says = XDocument.Parse(TwimlRenderer.Playbook(plan, Public)).Root!.Element("Gather")!.Elements("Say").ToList();

        Assert.True(says.Count >= 3);
        Assert.All(says, say => Assert.InRange(say.Value.Length, 1, TwimlRenderer.MaxSayLength));
        Assert.All(says, say => Assert.EndsWith(".", say.Value));
        Assert.Equal(plan.Playbook.MessageText!.Trim(), string.Join(' ', says.Select(s => s.Value)));
    }

    [Fact]
    public void Transfers_to_a_number_with_our_caller_id_or_to_a_sip_uri()
    {
        var number = XDocument.Parse(TwimlRenderer.Transfer("+14155550100", "+15005550006")).Root!.Element("Dial")!;
        var sip = XDocument.Parse(TwimlRenderer.Transfer("sip:desk@pbx.example.com", "+15005550006")).Root!.Element("Dial")!;

        Assert.Equal("+15005550006", (string?)number.Attribute("callerId"));
        Assert.Equal("+14155550100", number.Element("Number")!.Value);
        Assert.Equal("sip:desk@pbx.example.com", sip.Element("Sip")!.Value);
    }
}

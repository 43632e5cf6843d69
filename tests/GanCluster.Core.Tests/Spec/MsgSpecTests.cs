using GanCluster.Core.Spec;

namespace GanCluster.Core.Tests.Spec;

public class MsgSpecTests
{
    [Fact]
    public void An_msg_run_gets_an_msg_section_ra_hinge_and_a_step_count_by_default()
    {
        var spec = RunSpecLoader.Parse("model: { arch: msg, resolution: 32 }");
        var msg = Assert.IsType<MsgSpec>(spec.Msg);
        Assert.Equal(MsgCombine.Simple, msg.Combine);
        Assert.True(msg.MinibatchStddev && msg.EqualizedLr && msg.PixelNorm);
        Assert.Equal(LossKind.RaHinge, spec.Loss);
        Assert.Equal(RunSpec.DefaultSteps, spec.Steps);
        Assert.Null(spec.Progressive);
        Assert.Null(RunSpecLoader.Parse("model: { arch: dcgan }").Msg);
    }

    [Fact]
    public void The_layer_options_and_the_loss_are_read_as_given()
    {
        var spec = RunSpecLoader.Parse("""
            model: { arch: msg, resolution: 64 }
            msg: { combine: lin_cat, minibatch_stddev: false, minibatch_group: 2, equalized_lr: false, pixel_norm: false }
            loss: wgan-gp
            """);
        var msg = spec.Msg!;
        Assert.Equal((MsgCombine.LinCat, false, 2, false, false), (msg.Combine, msg.MinibatchStddev, msg.MinibatchGroup, msg.EqualizedLr, msg.PixelNorm));
        Assert.Equal(LossKind.WganGp, spec.Loss);
        Assert.Contains("combine: lin_cat", SpecEmitter.ToYaml(spec));
        Assert.Equal(LossKind.RaHinge, RunSpecLoader.Parse("loss: ra-hinge").Loss); // any arch may use it
    }

    [Theory]
    [InlineData("progressive", "model.arch=msg", "progressive.fade_images=1000")]
    [InlineData("progressive", "model.arch=msg", "progressive={}")]
    [InlineData("model.resolution", "model.arch=msg", "model.resolution=48")]
    [InlineData("model.resolution", "model.arch=msg", "model.resolution=4")]
    [InlineData("msg", "model.arch=dcgan", "msg.combine=lin_cat")]
    [InlineData("msg", "model.arch=progressive", "msg.pixel_norm=false")]
    [InlineData("msg.combine", "model.arch=msg", "msg.combine=sum")]
    [InlineData("msg.minibatch_group", "model.arch=msg", "msg.minibatch_group=0")]
    public void Bad_combinations_name_their_field(string field, params string[] overrides)
    {
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.Parse("", overrides));
        Assert.Contains(e.Problems, p => p.Path == field);
    }
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanCluster.Training.Distributed;

/// <summary>
/// Makes a data-parallel step all-or-nothing. Between its first collective and its last, a step changes D's
/// weights and Adam state (D is updated before G's gradients are exchanged) and every BatchNorm buffer (forward
/// passes). If a collective then fails (a peer died), <see cref="Restore"/> puts those back, so the replica is
/// exactly at the previous step: a clean state the cluster can continue from, or sync others from. G's own
/// update happens after the last collective, so it needs no copy. Only used in worlds of more than one rank.
/// </summary>
public sealed class StepUndo : IDisposable
{
    readonly nn.Module _d;
    readonly OptimizerHelper _optD;
    readonly List<Tensor> _buffers;
    readonly List<Tensor> _backups = [];
    readonly List<long> _adamSteps = [];
    List<Tensor> _live = [];

    public StepUndo(nn.Module g, nn.Module d, OptimizerHelper optD)
    {
        _d = d;
        _optD = optD;
        _buffers = g.buffers().Concat(d.buffers()).ToList();
    }

    /// <summary>Copies what the coming step may change before it completes.</summary>
    public void Save()
    {
        using var _ = no_grad();
        var adam = _optD.state_dict().State.OfType<Adam.State>().ToList();
        // Fetched every time: loading a checkpoint or a peer's state may replace the state tensors.
        _live = [.. _d.parameters(), .. adam.SelectMany(s => new[] { s.exp_avg, s.exp_avg_sq }), .. _buffers];
        for (int i = 0; i < _live.Count; i++)
        {
            // Backups outlive the step's DisposeScope (the trainer runs each step inside one).
            if (i >= _backups.Count) _backups.Add(empty_like(_live[i]).DetachFromDisposeScope());
            else if (!_backups[i].shape.SequenceEqual(_live[i].shape)) { _backups[i].Dispose(); _backups[i] = empty_like(_live[i]).DetachFromDisposeScope(); }
            _backups[i].copy_(_live[i]);
        }
        _adamSteps.Clear();
        _adamSteps.AddRange(adam.Select(s => s.step));
    }

    /// <summary>Puts back what <see cref="Save"/> copied: the replica is at the previous step again.</summary>
    public void Restore()
    {
        using var _ = no_grad();
        for (int i = 0; i < _live.Count; i++) _live[i].copy_(_backups[i]);
        var adam = _optD.state_dict().State.OfType<Adam.State>().ToList();
        for (int i = 0; i < adam.Count && i < _adamSteps.Count; i++) adam[i].step = _adamSteps[i];
    }

    public void Dispose()
    {
        foreach (var b in _backups) b.Dispose();
    }
}

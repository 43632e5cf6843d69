using GanCluster.Training.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Steps;

/// <summary>
/// BatchNorm's running buffers under gradient accumulation. A step of N micro-batches must leave the buffers where
/// a data-parallel world N times larger leaves them: there, each rank's forwards update its buffers from the step's
/// starting values and <see cref="Distributed.BufferAverager"/> averages the results. So every micro-batch runs
/// its forwards from the starting values into its own copy (<see cref="Enter"/> / <see cref="Leave"/>, also across
/// the D and G phases; a forward not followed by Leave does not count), and <see cref="Finish"/> writes the mean of the copies (integer counters: micro-batch 0's,
/// which all share). With one micro-batch every call is a no-op, so the step is exactly the unaccumulated one.
/// </summary>
sealed class MicroBatchBuffers
{
    readonly List<Tensor> _buffers;
    readonly int _count;
    Tensor[][]? _states; // [micro-batch][buffer], allocated in the step's dispose scope

    public MicroBatchBuffers(IEnumerable<nn.Module> modules, int microBatches)
    {
        _buffers = modules.SelectMany(m => m.buffers()).ToList();
        _count = microBatches;
    }

    /// <summary>Starts a step: every micro-batch's copy begins at the buffers' current values.</summary>
    public void Begin()
    {
        if (_count == 1) return;
        using var _ = no_grad();
        _states = Enumerable.Range(0, _count).Select(_ => _buffers.Select(b => b.clone()).ToArray()).ToArray();
    }

    /// <summary>Loads micro-batch <paramref name="micro"/>'s copy into the modules before its forwards.</summary>
    public void Enter(int micro)
    {
        if (_states == null) return;
        using var _ = no_grad();
        for (int i = 0; i < _buffers.Count; i++) _buffers[i].copy_(_states[micro][i]);
    }

    /// <summary>Keeps what micro-batch <paramref name="micro"/>'s forwards made of the buffers.</summary>
    public void Leave(int micro)
    {
        if (_states == null) return;
        using var _ = no_grad();
        for (int i = 0; i < _buffers.Count; i++) _states[micro][i].copy_(_buffers[i]);
    }

    /// <summary>Ends the step: floating buffers become the mean over micro-batches, counters micro-batch 0's.</summary>
    public void Finish()
    {
        if (_states == null) return;
        using var _ = no_grad();
        for (int i = 0; i < _buffers.Count; i++)
        {
            var b = _buffers[i];
            if (b.is_floating_point())
            {
                using var sum = _states[0][i].clone();
                for (int m = 1; m < _count; m++) sum.add_(_states[m][i], ScalarOps.One); // ScalarOps.One: see there
                b.copy_(sum.div_(_count));
            }
            else b.copy_(_states[0][i]);
        }
        _states = null;
    }
}

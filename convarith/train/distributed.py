"""The same loop on several processes: DistributedDataParallel with gloo on the CPU.

Started by ``torchrun --nproc_per_node=2 --no-python convarith train lenet5`` (or
``python -m torch.distributed.run``), each process finds ``RANK``, ``WORLD_SIZE``,
``MASTER_ADDR`` and ``MASTER_PORT`` in its environment. Every process draws the same
shuffled order of the training set each epoch and, of each global batch of ``batch_size``
images, takes the images ``rank, rank + world, ...``: its shard. DDP averages the gradients,
so one step equals one single-process step on the whole batch (for models without
batch statistics). Only rank 0 prints and writes files.

>>> World().main, World(rank=1, size=2).main
(True, False)
>>> World(rank=1, size=2).shard(list(range(7)))
[1, 3, 5]
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class World:
    """This process's rank among ``size`` processes."""

    rank: int = 0
    size: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    def shard(self, items: Any) -> Any:
        """This process's share of a global batch."""
        return items[self.rank::self.size]

    def sum(self, values: list[float]) -> list[float]:
        """``values`` summed over all processes (itself when alone)."""
        if self.size == 1:
            return values
        import torch
        import torch.distributed as dist

        tensor = torch.tensor(values, dtype=torch.float64)
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor.tolist()

    def wrap(self, model: Any) -> Any:
        """The model wrapped in DistributedDataParallel when there are several processes."""
        if self.size == 1:
            return model
        from torch.nn.parallel import DistributedDataParallel

        return DistributedDataParallel(model)

    def barrier(self) -> None:
        if self.size > 1:
            import torch.distributed as dist

            dist.barrier()


def current() -> World:
    """The process group already set up, or a world of one."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return World(rank=dist.get_rank(), size=dist.get_world_size())
    return World()


def from_environment() -> World:
    """Join the process group that ``torchrun`` describes in the environment (gloo backend),
    or stay alone when ``WORLD_SIZE`` is unset or 1."""
    import torch.distributed as dist

    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return World()
    if not dist.is_initialized():
        dist.init_process_group(backend="gloo")
    return current()


def finish() -> None:
    """Leave the process group, if there is one."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()

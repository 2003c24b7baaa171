"""The reference training loop: the zoo's networks trained for real on real data.

``convarith.train`` imports torch, so ``import convarith`` does not import it. Its parts:

- :mod:`convarith.train.data`: the embedded scikit-learn digits, MNIST/Fashion-MNIST IDX
  files and CIFAR-10 python batches, fitted to a model's input and normalised;
- :mod:`convarith.train.download`: fetching those files from their public locations;
- :mod:`convarith.train.loop`: train/evaluate per epoch, metrics, resume and divergence
  detection; :mod:`convarith.train.checkpoint`: the run folder's files, written atomically;
- :mod:`convarith.train.plots`: learning curves, learning-rate sweeps, filters, feature maps,
  confusion matrices;
- :mod:`convarith.train.run`: one ``convarith train`` run end to end (zoo model, shape table,
  loop, plots) and learning-rate sweeps;
- :mod:`convarith.train.distributed`: the same loop under ``torchrun`` (DDP, gloo);
- :mod:`convarith.train.augment` and :mod:`convarith.train.finetune`: augmentation and
  transfer learning;
- :mod:`convarith.train.numpy_engine`: the network trained by :mod:`convarith.scratch`.
"""

"""Homework-shaped layers, written here, that ``convarith verify --impl`` checks without any
adapter: one file per convention students meet (CS231n, Coursera's NHWC, d2l, a class with
forward/backward). They are correct within their limits; the README and the tests use them.
"""

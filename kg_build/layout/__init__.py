"""Layout: recognise the letter's format and cut it into sections and disputed-item blocks."""

from kg_build.layout.blocks import ItemBlock, Layout, split_letter

__all__ = ["ItemBlock", "Layout", "split_letter"]

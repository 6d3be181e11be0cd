"""Layer painters: each takes a Ctx and paints into ctx.cv.img in place."""
